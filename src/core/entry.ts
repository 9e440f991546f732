import type { Context } from "./context.js";
import type { Middleware } from "./middleware.js";
import type { CallPolicies } from "./policies.js";
import type { InferIn, InferOut, Schema } from "./schema.js";

export type HttpVerb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type MaybePromise<T> = T | Promise<T>;

/** How an entry is declared (all optional). */
export interface EntryOptions<
  IS extends Schema | undefined = Schema | undefined,
  OS extends Schema | undefined = Schema | undefined,
> extends CallPolicies {
  /** Schema of the input: the JSON body, or the query string for GET/DELETE, plus path parameters. */
  readonly input?: IS;
  /** Schema of the result; the returned value is validated (and stripped) by it. */
  readonly output?: OS;
  /** Overrides the conventional route: `"GET /orders/:id"`, or a path alone to keep the verb. */
  readonly route?: string;
  /** Path parameters appended to the conventional path: `params: ["id"]` → `/orders/:id`. */
  readonly params?: readonly string[];
  /** Success status of a non-empty result: 200 (default), 201 or 202. */
  readonly status?: 200 | 201 | 202;
  /**
   * The gateway hands the body over unparsed, as `{ body?: string, contentType?: string }` plus the
   * path parameters: the entry reads it and answers its own errors (a legacy contract's bodies).
   */
  readonly rawBody?: boolean;
  /** Skips the service's authorizer for this entry. */
  readonly noAuth?: boolean;
  /** Stages where the entry exists (default: all). */
  readonly stages?: readonly string[];
  /** Middleware of this entry, run after the service's. */
  readonly middleware?: readonly Middleware[];
  /** One-line summary for the route table and OpenAPI. */
  readonly summary?: string;
  readonly description?: string;
}

/** A handler: its input type comes from the input schema. */
export type Handler<In, Out> = (input: In, ctx: Context) => MaybePromise<Out>;

/** An entry before it is bound to a service. `In`/`Out` are what a caller passes and gets. */
export interface Entry<In = never, Out = unknown> {
  readonly kind: "entry";
  readonly options: EntryOptions;
  readonly handler: Handler<never, unknown>;
  /** Type carrier only, never set at run time (`in` is a parameter so that any entry fits `Entry<never>`). */
  readonly "~types"?: { readonly in: (input: In) => void; readonly out: Out };
}

/** An entry bound to its service: what `ctx.call` takes. */
export interface EntryRef<In = never, Out = unknown> extends Entry<In, Out> {
  readonly service: string;
  readonly name: string;
  /** `service.entry` */
  readonly id: string;
  /** The entry's policies, its service's filling the gaps: what every caller applies. */
  readonly policies: CallPolicies;
}

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
  if (typeof handler !== "function")
    throw new TypeError("entry(options, handler): handler must be a function");
  return { kind: "entry", options, handler };
}
