import type { ConfigModel, ConfigShape, ConfigValues } from "./config.js";
import type { EntryRef } from "./entry.js";
import type { EventDef } from "./event.js";
import type { Logger } from "./logger.js";
import type { TraceContext } from "./trace-context.js";
import type { UseKey } from "./uses.js";

/** Who is calling: the verified claims of a token (JWT claims, or what an authorizer returned). */
export interface Identity {
  readonly sub?: string;
  readonly [claim: string]: unknown;
}

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
