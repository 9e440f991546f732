import type { FlowDefinition } from "../definition.js";
import type { AslMachine, AslState } from "./asl-types.js";

/**
 * A declared flow written in the Amazon States Language, as stored: the machine under
 * `definition`, and no steps, inputs or outputs of Tesserae's own form (so that what reads every
 * declared flow — the registry's uses, the engine's input schema — reads this one too).
 */
export interface AslFlowDefinition extends FlowDefinition {
  readonly language: "asl";
  readonly definition: AslMachine;
}

/** Whether a stored or parsed declared flow is a States Language one. */
export function isAsl(def: FlowDefinition): def is AslFlowDefinition {
  return (def as { language?: unknown }).language === "asl";
}

/** Every state of a machine with its path (`States.A`, `States.P.Branches.0.States.B`), branches and processors included. */
export function statesOf(machine: AslMachine, path = "definition"): [string, string, AslState][] {
  const out: [string, string, AslState][] = [];
  for (const [name, s] of Object.entries(machine.States ?? {})) {
    const at = `${path}.States.${name}`;
    out.push([at, name, s]);
    if (s.Type === "Parallel" && Array.isArray(s.Branches))
      (s.Branches as AslMachine[]).forEach((b, i) => {
        out.push(...statesOf(b, `${at}.Branches.${i}`));
      });
    if (s.Type === "Map") {
      const key = s.ItemProcessor !== undefined ? "ItemProcessor" : "Iterator";
      const p = s[key] as AslMachine | undefined;
      if (p !== undefined) out.push(...statesOf(p, `${at}.${key}`));
    }
  }
  return out;
}

/** The resources a machine's Task states call (registered services' names, or `service.entry`), in order. */
export function resourcesOf(machine: AslMachine): string[] {
  const out = statesOf(machine)
    .filter(([, , s]) => s.Type === "Task" && typeof s.Resource === "string")
    .map(([, , s]) => s.Resource as string);
  return [...new Set(out)];
}
