import type { Transport } from "../ports/transport.js";
import { CallContext, type ContextHost } from "./call-context.js";
import type { CallMeta, Invoke } from "./call-meta.js";
import type { Codec } from "./codec.js";
import type { EntryRef } from "./entry.js";
import { TesseraError } from "./errors.js";
import { withBulkhead } from "./middleware/bulkhead.js";
import { CircuitBreaker, withBreaker } from "./middleware/circuit-breaker.js";
import { withRetry } from "./middleware/retry.js";
import { withTimeout } from "./middleware/timeout.js";
import type { Invocation } from "./middleware.js";
import type { CallPolicies } from "./policies.js";
import { validate } from "./schema.js";
import type { ServiceDef } from "./service.js";
import { metaToHeaders, readReply, subjects } from "./wire.js";

/** What the dispatcher needs from the node it works for. */
export interface DispatchHost extends ContextHost {
  readonly transport: Transport;
  readonly codec: Codec;
  /** Bound of a remote call that has no deadline. */
  readonly requestTimeout: number;
  /** Counts executions so that a stopping node can drain them. */
  track<T>(work: Promise<T>): Promise<T>;
}

/** The policies of an entry: its own, else its service's. */
export function policiesOf(svc: ServiceDef | undefined, ref: EntryRef): CallPolicies {
  const own = ref.options;
  const dflt = svc?.options ?? {};
  const out: { -readonly [K in keyof CallPolicies]: CallPolicies[K] } = {};
  const timeout = own.timeout ?? dflt.timeout;
  const retry = own.retry ?? dflt.retry;
  const breaker = own.breaker ?? dflt.breaker;
  const bulkhead = own.bulkhead ?? dflt.bulkhead;
  if (timeout !== undefined) out.timeout = timeout;
  if (retry !== undefined) out.retry = retry;
  if (breaker !== undefined) out.breaker = breaker;
  if (bulkhead !== undefined) out.bulkhead = bulkhead;
  return out;
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
      return Promise.reject(failure(ctx, err));
    }
    if (result instanceof Promise) {
      return host.track(result.catch((err: unknown) => Promise.reject(failure(ctx, err))));
    }
    return result;
  };

  const { bulkhead } = policiesOf(svc, ref);
  if (bulkhead !== undefined) serve = withBulkhead(bulkhead, target, serve);
  return serve;
}

/** The remote end of an entry: a request on the transport. */
export function compileRemote(host: DispatchHost, ref: EntryRef): Invoke {
  const subject = subjects.entry(ref.service, ref.name);
  return (input, meta: CallMeta) => {
    const timeoutMs = meta.deadline === undefined ? host.requestTimeout : meta.deadline - Date.now();
    if (timeoutMs <= 0)
      return Promise.reject(TesseraError.timeout(`${ref.id}: deadline passed before the call`));
    let data: Uint8Array;
    try {
      data = host.codec.encode(input);
    } catch (cause) {
      return Promise.reject(
        new TesseraError("TESSERA_BAD_REQUEST", `${ref.id}: input cannot be encoded`, { cause }),
      );
    }
    return host.transport
      .request(subject, data, { timeoutMs, headers: metaToHeaders(meta) })
      .then((msg) => readReply(host.codec, msg));
  };
}

/**
 * The calling side: timeout (the whole call, retries included) → retry → circuit breaker →
 * the target (a local serve pipeline or the remote request).
 */
export function compileCall(svc: ServiceDef | undefined, ref: EntryRef, target: Invoke): Invoke {
  const { timeout, retry, breaker } = policiesOf(svc, ref);
  let invoke = target;
  if (breaker !== undefined) invoke = withBreaker(new CircuitBreaker(ref.id, breaker), invoke);
  if (retry !== undefined) invoke = withRetry(retry, invoke);
  if (timeout !== undefined) invoke = withTimeout(timeout, ref.id, invoke);
  return invoke;
}
