import type { DefinitionRecord } from "../../ports/declared-flow-store.js";
import type { FlowDef } from "../flows/flow.js";
import { signal } from "../flows/signal.js";
import type { Data } from "./data-paths.js";
import type { FlowDefinition } from "./definition.js";
import { signalsOf } from "./definition-services.js";
import { deletedSchema, fieldsSchema } from "./fields-schema.js";

/** What runs a declared flow's steps (every version runs on the same interpreter). */
export type DeclaredBody = (ctx: Parameters<FlowDef["body"]>[0], input: Data) => Promise<Data>;

/**
 * The engine's flow for a stored definition at its version: its input schema (every new run
 * refused once the flow is deleted), the earlier versions it stays compatible with, and its signals.
 *
 * @example
 * engine.define(declaredFlowDef(record, (ctx, input) => interpret(ctx, input)));
 */
export function declaredFlowDef(rec: DefinitionRecord, body: DeclaredBody): FlowDef {
  const def = rec.definition as FlowDefinition;
  const versions = Array.from({ length: rec.version - 1 }, (_, i) => String(i + 1));
  const signals = signalsOf(def).map((s) =>
    s.type === "wait"
      ? signal(s.signal!, s.fields === undefined ? undefined : fieldsSchema(s.fields))
      : undefined,
  );
  return Object.freeze({
    kind: "flow" as const,
    name: rec.name,
    version: String(rec.version),
    options: {
      input: rec.deleted ? deletedSchema(rec.name) : fieldsSchema(def.inputs),
      compatibleWith: versions,
      signals: signals.filter((s) => s !== undefined),
      ...(def.description === undefined ? {} : { description: def.description }),
    },
    body: body as FlowDef["body"],
  });
}
