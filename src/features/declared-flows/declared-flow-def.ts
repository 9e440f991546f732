import type { DefinitionRecord } from "../../ports/declared-flow-store.js";
import type { RunRecord } from "../../ports/flow-store.js";
import type { FlowDef } from "../flows/flow.js";
import { type SignalDef, signal } from "../flows/signal.js";
import type { Data } from "./data-paths.js";
import type { FlowDefinition, WaitStep } from "./definition.js";
import { signalsOf } from "./definition-services.js";
import { deletedSchema, fieldsSchema } from "./fields-schema.js";

/** What runs a declared flow's steps (every version runs on the same interpreter). */
export type DeclaredBody = (ctx: Parameters<FlowDef["body"]>[0], input: Data) => Promise<Data>;

/** The definition of a run's version (versions never change), if the store has it. */
export type VersionOf = (run: RunRecord) => Promise<FlowDefinition | undefined>;

/** The signals a definition's waits accept, each with its payload's schema (its `fields`). */
export function waitSignals(def: FlowDefinition): SignalDef[] {
  return signalsOf(def).map((s) => {
    const w = s as WaitStep;
    return signal(w.signal!, w.fields === undefined ? undefined : fieldsSchema(w.fields));
  });
}

/**
 * The engine's flow for a stored definition at its version: its input schema (every new run
 * refused once the flow is deleted), the earlier versions it stays compatible with, and its
 * signals — a run accepts those its own version waits for (`versionOf` reads it), no other.
 *
 * @example
 * engine.define(declaredFlowDef(record, (ctx, input) => interpret(ctx, input), versionOf));
 */
export function declaredFlowDef(rec: DefinitionRecord, body: DeclaredBody, versionOf: VersionOf): FlowDef {
  const def = rec.definition as FlowDefinition;
  const versions = Array.from({ length: rec.version - 1 }, (_, i) => String(i + 1));
  return Object.freeze({
    kind: "flow" as const,
    name: rec.name,
    version: String(rec.version),
    options: {
      input: rec.deleted ? deletedSchema(rec.name) : fieldsSchema(def.inputs),
      compatibleWith: versions,
      signals: waitSignals(def),
      ...(def.budget === undefined ? {} : { budget: def.budget }),
      ...(def.retention === undefined ? {} : { retention: def.retention }),
      ...(def.description === undefined ? {} : { description: def.description }),
    },
    body: body as FlowDef["body"],
    signalsOf: async (run: RunRecord) => {
      const version = Number(run.version) === rec.version ? def : await versionOf(run);
      return version === undefined ? [] : waitSignals(version);
    },
  });
}
