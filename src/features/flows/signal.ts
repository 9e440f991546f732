import { shown } from "../../core/definition-rules.js";
import { TesseraError } from "../../core/errors.js";
import type { InferIn, InferOut, Schema } from "../../core/schema.js";
import { parseOptions, schemaOption } from "../definition-options.js";

/** A declared signal: a name and the schema of its payload (validated when it is sent). */
export interface SignalDef<N extends string = string, In = unknown, Out = In> {
  readonly kind: "signal";
  readonly name: N;
  readonly schema: Schema | undefined;
  /** Type carrier only; never set at run time. */
  readonly "~types"?: { readonly in: In; readonly out: Out };
}

const signalName = /^[a-zA-Z][\w.-]*$/;

/**
 * Declares a signal that runs can wait for (`ctx.waitFor(approval)`) and that callers deliver with
 * `POST /flows/runs/:runId/signals/:name` or `engine.signal(runId, approval, payload)`.
 *
 * @example
 * export const approval = signal("approval", z.object({ approved: z.boolean(), by: z.string() }));
 */
export function signal<const N extends string, S extends Schema | undefined = undefined>(
  name: N,
  schema?: S,
): SignalDef<N, InferIn<S>, InferOut<S>> {
  if (typeof name !== "string")
    throw TesseraError.definition(
      "signal",
      `signal(name, schema): name must be a string, got ${shown(name)}`,
    );
  if (schema !== undefined) parseOptions(`${name}.schema`, schemaOption, schema);
  if (!signalName.test(name))
    throw TesseraError.definition(name, `signal name "${name}" must be letters, digits, ".", "_" or "-"`);
  return { kind: "signal", name, schema };
}
