import type { CallMeta } from "./call-meta.js";
import type { CallOptions } from "./context.js";
import type { Identity } from "./identity.js";
import { newRequestId } from "./ids.js";
import { TraceRoot } from "./trace-context.js";
import { parseTraceparent } from "./traceparent.js";

/** Options of a call made from outside any handler. */
export interface RootCallOptions extends CallOptions {
  readonly identity?: Identity;
  readonly requestId?: string;
  readonly signal?: AbortSignal;
  /** Continues a trace: a W3C `traceparent` value (else, or when malformed, a new trace starts). */
  readonly traceparent?: string;
  /** The key under which an idempotent entry runs once: a repeat gets its first answer. */
  readonly idempotencyKey?: string;
}

/** The metadata of a call from outside any handler: the root of a trace unless it continues one. */
export function rootCallMeta(options: RootCallOptions | undefined): CallMeta {
  const meta: CallMeta = {
    requestId: options?.requestId ?? newRequestId(),
    identity: options?.identity,
    deadline: undefined,
    signal: options?.signal === undefined ? undefined : () => options.signal,
    trace:
      options?.traceparent === undefined
        ? new TraceRoot()
        : (parseTraceparent(options.traceparent) ?? new TraceRoot()),
  };
  return options?.idempotencyKey === undefined ? meta : { ...meta, idempotencyKey: options.idempotencyKey };
}

/** The metadata of an event published from outside any handler. */
export function rootEmitMeta(options: RootCallOptions): CallMeta {
  return {
    requestId: options.requestId ?? newRequestId(),
    identity: options.identity,
    deadline: undefined,
    signal: undefined,
    trace: options.traceparent === undefined ? undefined : parseTraceparent(options.traceparent),
  };
}
