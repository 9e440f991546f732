import { CallContext, type ContextHost } from "./call-context.js";
import { metaToHeaders } from "./call-headers.js";
import type { CallMeta, Invoke } from "./call-meta.js";
import type { Codec } from "./codec.js";
import type { EntryRef, Invocation } from "./context.js";
import type { EndpointRegistry } from "./endpoint-registry.js";
import { TesseraError } from "./errors.js";
import { withBulkhead } from "./middleware/bulkhead.js";
import { CircuitBreaker, withBreaker } from "./middleware/circuit-breaker.js";
import { withRetry } from "./middleware/retry.js";
import { withTimeout } from "./middleware/timeout.js";
import type { RemoteRouter } from "./remote-router.js";
import { validate } from "./schema.js";
import type { ServiceDef } from "./service.js";
import { subjects } from "./subjects.js";
import type { Transport } from "./transport.js";
import type { TransportMessage } from "./transport-message.js";
import { readReply } from "./wire-reply.js";

/** What the dispatcher needs from the node it works for. */
export interface DispatchHost extends ContextHost {
  readonly transport: Transport;
  readonly codec: Codec;
  /** Bound of a remote call that has no deadline. */
  readonly requestTimeout: number;
  /** Counts executions so that a stopping node can drain them. */
  track<T>(work: Promise<T>): Promise<T>;
  /** The remote endpoints; remote calls use the router while discovery feeds the registry. */
  readonly registry: EndpointRegistry;
  readonly router: RemoteRouter;
}

function outputError(ref: EntryRef, cause: unknown): TesseraError {
  return new TesseraError("TESSERA_INTERNAL", "internal error", {
    cause: new Error(`${ref.id} returned a value that fails its output schema`, { cause }),
  });
}

/**
 * The serving side of a local entry: bulkhead → user middleware (service's, then entry's) →
 * input validation → handler → output validation. Handler failures that are not TesseraErrors
 * become `TESSERA_INTERNAL`, logged once here with their stack.
 */
export function compileServe(host: DispatchHost, svc: ServiceDef, ref: EntryRef): Invoke {
  const handler = ref.handler as unknown as (input: unknown, ctx: CallContext) => unknown;
  const inSchema = ref.options.input;
  const outSchema = ref.options.output;
  const target = ref.id;

  const checkOut = (value: unknown): unknown => {
    if (outSchema === undefined) return value;
    try {
      const v = validate(outSchema, value, "output");
      return v instanceof Promise ? v.catch((e: unknown) => Promise.reject(outputError(ref, e))) : v;
    } catch (e) {
      throw outputError(ref, e);
    }
  };
  const afterHandler = (result: unknown): unknown =>
    result instanceof Promise ? result.then(checkOut) : checkOut(result);

  const core = (input: unknown, ctx: CallContext): unknown => {
    if (inSchema === undefined) {
      if (
        input !== undefined &&
        !(typeof input === "object" && input !== null && Object.keys(input).length === 0)
      ) {
        throw TesseraError.badRequest(`${target} takes no input`);
      }
      return afterHandler(handler(undefined, ctx));
    }
    const v = validate(inSchema, input, "input");
    if (v instanceof Promise) return v.then((x) => afterHandler(handler(x, ctx)));
    return afterHandler(handler(v, ctx));
  };

  const middlewares = [...(svc.options.middleware ?? []), ...(ref.options.middleware ?? [])];
  let inner = (inv: Invocation): unknown => core(inv.input, inv.ctx as CallContext);
  for (const mw of middlewares.reverse()) {
    const next = inner;
    inner = (inv) =>
      mw(inv, () => {
        try {
          return Promise.resolve(next(inv));
        } catch (err) {
          return Promise.reject(err);
        }
      });
  }
  const run = middlewares.length === 0 ? undefined : inner;

  const failure = (ctx: CallContext, err: unknown): TesseraError => {
    const e = TesseraError.from(err);
    if (e.code === "TESSERA_INTERNAL") ctx.log.error(`${target} failed`, { err: e.cause ?? e });
    else ctx.log.debug(`${target} refused`, { code: e.code, message: e.message });
    return e;
  };

  let serve: Invoke = (input, meta) => {
    const ctx = new CallContext(host, target, meta);
    let result: unknown;
    try {
      result = run === undefined ? core(input, ctx) : run({ target, ctx, input });
    } catch (err) {
      ctx.dispose();
      return Promise.reject(failure(ctx, err));
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => {
          ctx.dispose();
          return v;
        },
        (err: unknown) => {
          ctx.dispose();
          return Promise.reject(failure(ctx, err));
        },
      );
    }
    ctx.dispose();
    return result;
  };

  const { bulkhead } = ref.policies;
  if (bulkhead !== undefined) serve = withBulkhead(bulkhead, target, serve);
  // Tracked outside the bulkhead, so that a stopping node also waits for calls queued in it.
  const limited = serve;
  return (input, meta) => {
    const r = limited(input, meta);
    return r instanceof Promise ? host.track(r) : r;
  };
}

/**
 * The remote end of an entry: a request on the transport. With discovery, the router sends it to
 * a live instance it chooses (a circuit breaker per node); without, it goes to the service's
 * queue group and the entry's breaker guards it as a whole.
 */
export function compileRemote(host: DispatchHost, ref: EntryRef): Invoke {
  const subject = subjects.entry(ref.service, ref.name);
  const read = (msg: TransportMessage) => readReply(host.codec, msg);
  let queued: Invoke = (data, meta) =>
    host.transport
      .request(subject, data as Uint8Array, {
        timeoutMs: meta.deadline! - Date.now(),
        headers: metaToHeaders(meta),
      })
      .then(read);
  if (ref.policies.breaker !== undefined)
    queued = withBreaker(new CircuitBreaker(ref.id, ref.policies.breaker), queued);
  return (input, given: CallMeta) => {
    // The callee always learns a deadline, so that it stops working when the caller gives up.
    const deadline = given.deadline ?? Date.now() + host.requestTimeout;
    const meta: CallMeta = given.deadline === undefined ? { ...given, deadline } : given;
    if (deadline - Date.now() <= 0)
      return Promise.reject(TesseraError.timeout(`${ref.id}: deadline passed before the call`));
    let data: Uint8Array;
    try {
      data = host.codec.encode(input);
    } catch (cause) {
      return Promise.reject(
        new TesseraError("TESSERA_BAD_REQUEST", `${ref.id}: input ${encodeFailure(cause)}`, { cause }),
      );
    }
    if (host.registry.enabled) return host.router.send(ref, data, metaToHeaders(meta), deadline, read);
    return queued(data, meta);
  };
}

/** Why an input cannot travel; a value too deep for the encoder says so, not "Maximum call stack…". */
function encodeFailure(err: unknown): string {
  if (err instanceof RangeError && /call stack/i.test(err.message)) return "too deeply nested";
  return `cannot be encoded: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * The calling side: timeout (the whole call, retries included) → retry → circuit breaker →
 * the target (a local serve pipeline or the remote request).
 */
export function compileCall(ref: EntryRef, target: Invoke, remote = false): Invoke {
  const { timeout, retry, breaker } = ref.policies;
  let invoke = target;
  // A remote target has its breakers inside (per node, or around its queue group).
  if (breaker !== undefined && !remote) invoke = withBreaker(new CircuitBreaker(ref.id, breaker), invoke);
  if (retry !== undefined) invoke = withRetry(retry, invoke);
  if (timeout !== undefined) invoke = withTimeout(timeout, ref.id, invoke);
  return invoke;
}
