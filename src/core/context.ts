import type { ConfigModel, ConfigShape, ConfigValues } from "./config.js";
import type { EventDef } from "./event.js";
import type { Identity } from "./identity.js";
import type { Logger } from "./logger.js";
import type { CallPolicies } from "./policies.js";
import type { Schema } from "./schema.js";
import type { TraceContext } from "./trace-context.js";
import type { UseKey } from "./uses.js";

// What a handler is and what it receives. These types refer to each other (a handler gets a
// Context, whose `call` takes an entry, whose options hold middleware, which sees a Context), so
// they live in one file rather than in files that import each other.

type MaybePromise<T> = T | Promise<T>;

/** Options of one call. */
export interface CallOptions {
  /** A deadline for this call in ms from now (never later than the caller's own deadline). */
  readonly timeout?: number;
}

/** Options of an emitted event. */
export interface EmitOptions {
  /** Deduplication key of a durable event: another emission with the same id is dropped (2-minute window on NATS). */
  readonly id?: string;
}

/** The arguments of a typed call: the input may be left out when the entry takes none. */
export type CallArgs<In, O = CallOptions> = undefined extends In
  ? [input?: In, options?: O]
  : [input: In, options?: O];

/**
 * What every handler receives beside its input.
 *
 * @example
 * entry({ input: Message }, async ({ message }, ctx) => {
 *   ctx.log.info("uppercasing", { length: message.length });
 *   return ctx.call(text.entries.upper, { message });
 * });
 */
export interface Context {
  /** The id of the request that started this chain of calls (the `x-request-id` of HTTP). */
  readonly requestId: string;
  /** `service.entry` being served (`""` outside a handler). */
  readonly target: string;
  /**
   * The key of an idempotent call (a flow step's `<runId>:<seq>`, an HTTP `Idempotency-Key`), for
   * the handler to pass on to its own effects (e.g. `repo.create(decide, { idempotencyKey })`).
   */
  readonly idempotencyKey: string | undefined;
  /**
   * Beside a flow effect's `idempotencyKey`: the run's fencing token (its lease generation, higher
   * at every activation and takeover). A target refuses a token lower than the highest it saw for the
   * run, so that the late call of a worker that lost the run never lands (see the README's fencing).
   */
  readonly fencingToken: number | undefined;
  /** The caller's identity, carried along nested calls. */
  readonly identity: Identity | undefined;
  /** Epoch ms after which the call has failed with `TESSERA_TIMEOUT`; nested calls inherit it. */
  readonly deadline: number | undefined;
  /** Aborted when the deadline passes or the HTTP client goes away: pass it to fetch, queries… */
  readonly signal: AbortSignal;
  /** A logger bound to the request id, the target, the trace id and the span id. */
  readonly log: Logger;
  /**
   * The W3C trace of the call: the trace id of the request (from its `traceparent` header, or
   * new), shared by every nested call, local or remote, and by the events they emit; a span id per
   * call.
   */
  readonly trace: TraceContext;
  /** Calls an entry of any service (local, or remote through the transport), typed by its definition. */
  call<In, Out>(ref: EntryRef<In, Out>, ...args: CallArgs<In>): Promise<Out>;
  /** Publishes an event; resolves once the transport has taken it (stored it, for a durable event). */
  emit<In>(event: EventDef<string, In, unknown>, payload: In, options?: EmitOptions): Promise<void>;
  /**
   * The typed values of the service's config model (it must be the model the service declares).
   *
   * @example
   * const { maxLength } = ctx.config(textConfig);
   */
  config<M extends ConfigShape>(model: ConfigModel<M>): ConfigValues<M>;
  /**
   * What a node plugin provides for a part the service declares in its `uses`, read synchronously.
   *
   * @example
   * const { AAPL } = ctx.use(quotes).value; // the local copy of a replicated state
   */
  use<T>(key: UseKey<T>): T;
}

export type HttpVerb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

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
  /**
   * A call that carries an idempotency key (a flow step's, an HTTP `Idempotency-Key`) runs the
   * handler once: a repeat gets the stored first answer from the node's inbox (default: the service's).
   */
  readonly idempotent?: boolean;
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
  /** The entry's `idempotent`, else its service's. */
  readonly idempotent?: boolean;
}

/** What a middleware sees of a call. `input` is the raw input, before validation. */
export interface Invocation {
  /** `service.entry`. */
  readonly target: string;
  readonly ctx: Context;
  input: unknown;
}

/**
 * User middleware, run around the handler after the built-in policies (timeout, retry, circuit
 * breaker, bulkhead) and before input validation. Call `next()` to go on; return its result, or a
 * value of your own, or throw.
 *
 * @example
 * const timing: Middleware = async (call, next) => {
 *   const t0 = performance.now();
 *   try { return await next(); } finally { call.ctx.log.info("timing", { ms: performance.now() - t0 }); }
 * };
 */
export type Middleware = (call: Invocation, next: () => Promise<unknown>) => Promise<unknown>;
