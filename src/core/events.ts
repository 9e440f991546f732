import type { Transport, TransportMessage, TransportSubscription } from "../ports/transport.js";
import { CallContext, type ContextHost } from "./call-context.js";
import type { CallMeta } from "./call-meta.js";
import type { Codec } from "./codec.js";
import { TesseraError } from "./errors.js";
import type { EventDef, Subscription } from "./event.js";
import { backoffDelay } from "./middleware/retry.js";
import type { RetryPolicy } from "./policies.js";
import { validate } from "./schema.js";
import type { ServiceDef } from "./service.js";
import { headersToMeta, metaToHeaders, subjects } from "./wire.js";

export interface EventHost extends ContextHost {
  readonly transport: Transport;
  readonly codec: Codec;
  newRequestId(): string;
  track<T>(work: Promise<T>): Promise<T>;
}

const defaultRetry: RetryPolicy = { attempts: 3, baseDelayMs: 100 };

/** Validates and publishes an event; a bad payload fails the emitter with `TESSERA_VALIDATION`. */
export async function publishEvent(
  host: EventHost,
  event: EventDef,
  payload: unknown,
  meta: CallMeta,
): Promise<void> {
  const value =
    event.schema === undefined ? payload : await validate(event.schema, payload, `payload of ${event.name}`);
  await host.transport.publish(subjects.event(event.name), host.codec.encode(value), metaToHeaders(meta));
}

/**
 * Runs one delivery: decode, validate, handle; a failing handler is retried with backoff, then
 * the event is logged as dropped. Never throws: a bad event must not stop the subscription.
 */
async function deliver(
  host: EventHost,
  target: string,
  sub: Subscription,
  msg: TransportMessage,
): Promise<void> {
  const meta = headersToMeta(msg.headers, () => host.newRequestId());
  const ctx = new CallContext(host, target, meta);
  let payload: unknown;
  try {
    const raw = host.codec.decode(msg.data);
    payload =
      sub.event.schema === undefined
        ? raw
        : await validate(sub.event.schema, raw, `payload of ${sub.event.name}`);
  } catch (err) {
    ctx.log.error(`${target}: event ${sub.event.name} dropped, its payload is invalid`, { err });
    return;
  }
  const policy = sub.options.retry ?? defaultRetry;
  const handler = sub.handler as unknown as (payload: unknown, ctx: CallContext) => unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      await handler(payload, ctx);
      return;
    } catch (err) {
      const e = err instanceof TesseraError ? err : TesseraError.from(err);
      if (attempt >= policy.attempts) {
        ctx.log.error(`${target}: event ${sub.event.name} dropped after ${attempt} attempts`, {
          err: e.cause ?? e,
        });
        return;
      }
      ctx.log.warn(`${target}: handler failed on ${sub.event.name}, retrying`, {
        attempt,
        err: e.cause ?? e,
      });
      await new Promise((r) => setTimeout(r, backoffDelay(policy, attempt - 1)));
    }
  }
}

/** Subscribes every `on` handler of a service; balanced ones share a queue group per service and handler. */
export async function subscribeService(host: EventHost, svc: ServiceDef): Promise<TransportSubscription[]> {
  const subs: TransportSubscription[] = [];
  for (const [key, sub] of Object.entries(svc.options.on ?? {})) {
    const target = `${svc.name}.on.${key}`;
    const queue = sub.options.delivery === "broadcast" ? undefined : `${svc.name}.${key}`;
    subs.push(
      await host.transport.subscribe(
        subjects.event(sub.event.name),
        queue === undefined ? {} : { queue },
        (msg) => host.track(deliver(host, target, sub, msg)),
      ),
    );
  }
  return subs;
}
