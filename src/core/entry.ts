import type { Context, Entry, EntryOptions, Handler } from "./context.js";
import { bool, fn, listOf, oneOf, type Rule, schema, shape, text } from "./definition-rules.js";
import { TesseraError } from "./errors.js";
import { callPolicyRules } from "./policies.js";
import type { InferIn, InferOut, Schema } from "./schema.js";

/**
 * Declares an entry. The handler's input type is inferred from `input`; its result is checked
 * against `output` (or inferred from the handler when there is no output schema).
 *
 * @example
 * const Message = z.object({ message: z.string() });
 * const upper = entry({ input: Message, output: Message }, ({ message }) => ({ message: message.toUpperCase() }));
 */
export function entry<IS extends Schema | undefined = undefined, OS extends Schema = Schema>(
  options: EntryOptions<IS, OS> & { readonly output: OS },
  handler: Handler<InferOut<IS>, InferIn<OS>>,
): Entry<InferIn<IS>, InferOut<OS>>;
export function entry<IS extends Schema | undefined = undefined, R = unknown>(
  options: EntryOptions<IS, undefined>,
  handler: (input: InferOut<IS>, ctx: Context) => R,
): Entry<InferIn<IS>, Awaited<R>>;
export function entry<R>(handler: (input: undefined, ctx: Context) => R): Entry<undefined, Awaited<R>>;
export function entry(
  a: EntryOptions | Handler<never, unknown>,
  b?: Handler<never, unknown>,
): Entry<unknown, unknown> {
  const [options, handler] = typeof a === "function" ? [{}, a] : [a, b];
  if (typeof options !== "object" || options === null || Array.isArray(options))
    throw TesseraError.definition("entry", "entry(options, handler): options must be an object");
  if (typeof handler !== "function")
    throw TesseraError.definition("entry", "entry(options, handler): handler must be a function");
  return { kind: "entry", options, handler };
}

/**
 * The rules of an entry's options, checked by the `service()` that names the entry (so that a
 * mistake is reported as `orders.get.timeout`, not as an anonymous entry's).
 */
export const entryOptionRules: Rule = shape({
  ...callPolicyRules,
  input: schema,
  output: schema,
  route: text,
  params: listOf(text),
  status: oneOf([200, 201, 202]),
  rawBody: bool,
  noAuth: bool,
  idempotent: bool,
  stages: listOf(text),
  middleware: listOf(fn),
  summary: text,
  description: text,
});
