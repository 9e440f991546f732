import { CallContext, type ContextHost } from "./call-context.js";
import { headersToMeta, metaToHeaders } from "./call-headers.js";
import type { CallMeta } from "./call-meta.js";
import type { Codec } from "./codec.js";
import { ConsumerInbox, type ConsumerInboxHost } from "./consumer-inbox.js";
import type { EmitOptions } from "./context.js";
import { type DurableMessage, type DurableStreams, eventIdOf, PoisonMessage } from "./durable-streams.js";
import { TesseraError } from "./errors.js";
import type { EventDef } from "./event.js";
import { backoffDelay } from "./middleware/retry.js";
import type { RetryPolicy } from "./policies.js";
import { validate } from "./schema.js";
import type { ServiceDef } from "./service.js";
import { subjects } from "./subjects.js";
import type { Subscription } from "./subscription.js";
import type { Transport } from "./transport.js";
import type { TransportMessage, TransportSubscription } from "./transport-message.js";

export interface EventHost extends ContextHost, ConsumerInboxHost {
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
  options?: EmitOptions,
): Promise<void> {
  // Validated here to fail the emitter; what travels is the payload as given (the schema's input),
  // which each subscriber validates again: a transform (e.g. a coerced date) applies once per side.
  if (event.schema !== undefined) await validate(event.schema, payload, `payload of ${event.name}`);
  let data: Uint8Array;
  try {
    data = host.codec.encode(payload);
  } catch (cause) {
    throw new TesseraError(
      "TESSERA_BAD_REQUEST",
      `payload of ${event.name} cannot be encoded: ${(cause as Error).message}`,
      { cause },
    );
  }
  const subject = subjects.event(event.name);
  if (!event.durable) {
    await host.transport.publish(subject, data, metaToHeaders(meta));
    return;
  }
  const headers = metaToHeaders(meta);
  await durableOf(host.transport, event.name).publish(
    subject,
    data,
    options?.id === undefined ? { headers } : { headers, id: options.id },
  );
}

function durableOf(transport: Transport, event: string): DurableStreams {
  if (transport.durable === undefined) {
    throw TesseraError.definition(
      event,
      `event ${event} is durable but the ${transport.kind} transport has no durable streams`,
    );
  }
  return transport.durable;
}

/** The redelivery delays of a retry policy (no jitter: the broker schedules them). */
function backoffOf(policy: RetryPolicy): number[] {
  const base = policy.baseDelayMs ?? 50;
  const cap = policy.maxDelayMs ?? 2000;
  const factor = policy.factor ?? 2;
  return Array.from({ length: Math.max(1, policy.attempts - 1) }, (_, i) =>
    Math.min(cap, base * factor ** i),
  );
}

/**
 * One delivery of a durable event: decode and validate (an invalid payload is poison, dead-lettered
 * at once), then the handler; a failure is thrown back to the transport, which redelivers it.
 */
async function deliverDurable(
  host: EventHost,
  target: string,
  sub: Subscription,
  msg: DurableMessage,
  inbox: ConsumerInbox,
) {
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
    ctx.log.error(`${target}: event ${sub.event.name} dead-lettered, its payload is invalid`, { err });
    throw new PoisonMessage(`invalid payload: ${(err as Error).message}`);
  }
  const handler = sub.handler as unknown as (payload: unknown, ctx: CallContext) => unknown;
  try {
    // An event id this consumer handled before (within the inbox's retention) is acknowledged as is.
    const ran = await inbox.run(target, eventIdOf(msg), async () => {
      await handler(payload, ctx);
    });
    if (!ran) ctx.log.debug(`${target}: event ${sub.event.name} ${msg.id} already handled, dropped`);
  } catch (err) {
    const e = TesseraError.from(err);
    ctx.log.warn(`${target}: handler failed on ${sub.event.name} (delivery ${msg.deliveries})`, {
      err: e.cause ?? e,
    });
    throw err;
  }
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
  const inbox = new ConsumerInbox(host);
  for (const [key, sub] of Object.entries(svc.options.on ?? {})) {
    const target = `${svc.name}.on.${key}`;
    const queue = sub.options.delivery === "broadcast" ? undefined : `${svc.name}.${key}`;
    // A durable event is consumed durably by each subscribing service (balanced over its
    // instances); a broadcast to every instance stays a plain, live subscription.
    if (sub.event.durable && queue !== undefined) {
      const policy = sub.options.retry ?? defaultRetry;
      subs.push(
        await durableOf(host.transport, sub.event.name).consume(
          subjects.event(sub.event.name),
          {
            consumer: queue,
            maxDeliveries: Math.max(1, Math.floor(policy.attempts)),
            backoffMs: backoffOf(policy),
            deadLetter: subjects.deadLetter(svc.name, key),
          },
          (msg) => host.track(deliverDurable(host, target, sub, msg, inbox)),
        ),
      );
      continue;
    }
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
