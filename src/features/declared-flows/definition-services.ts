import { isAsl, resourcesOf } from "./asl/asl-definition.js";
import type { FlowDefinition, Step } from "./definition.js";

/** Every service a definition calls (compensations included), in order of appearance. */
export function servicesOf(def: FlowDefinition): string[] {
  if (isAsl(def)) return resourcesOf(def.definition);
  const out: string[] = [];
  const walk = (steps: readonly Step[]) => {
    for (const s of steps) {
      if (s.type === "call") {
        out.push(s.service);
        if (s.compensate !== undefined) out.push(s.compensate.service);
      }
      if (s.type === "parallel") for (const b of s.branches) walk(b);
    }
  };
  walk(def.steps);
  return [...new Set(out)];
}

/** Every signal a definition waits for. */
export function signalsOf(def: FlowDefinition): Step[] {
  const out: Step[] = [];
  const walk = (steps: readonly Step[]) => {
    for (const s of steps) {
      if (s.type === "wait" && s.signal !== undefined) out.push(s);
      if (s.type === "parallel") for (const b of s.branches) walk(b);
    }
  };
  walk(def.steps);
  return out;
}
