import type { Context } from "./context.js";
import { fn, oneOf, type Rule, shape } from "./definition-rules.js";
import { TesseraError } from "./errors.js";
import type { EventDef } from "./event.js";
import { callPolicyRules, type RetryPolicy } from "./policies.js";

/** Options of a subscription. */
export interface SubscribeOptions {
  /**
   * `balanced` (default): each event reaches one instance of the subscribing service.
   * `broadcast`: each event reaches every instance.
   */
  readonly delivery?: "balanced" | "broadcast";
  /**
   * Attempts when the handler throws (default 3 attempts, 100 ms doubling). For a durable event,
   * each attempt is a redelivery by the transport, and the last failure dead-letters the event.
   */
  readonly retry?: RetryPolicy;
}

/** A handler of an event, declared in a service's `on` map. */
export interface Subscription {
  readonly kind: "subscription";
  readonly event: EventDef;
  readonly handler: (payload: never, ctx: Context) => unknown;
  readonly options: SubscribeOptions;
}

/**
 * Subscribes a service to an event. A handler that throws is logged and retried per its policy;
 * it never stops the subscription.
 *
 * @example
 * service("audit", { on: { record: subscribe(textProcessed, (e, ctx) => ctx.log.info("seen", e)) } });
 */
export function subscribe<In, Out>(
  event: EventDef<string, In, Out>,
  handler: (payload: Out, ctx: Context) => unknown,
  options: SubscribeOptions = {},
): Subscription {
  if ((event as { kind?: unknown } | null | undefined)?.kind !== "event")
    throw TesseraError.definition(
      "subscribe",
      "subscribe(event, handler): declare the event with event(...)",
    );
  return { kind: "subscription", event: event as EventDef, handler, options };
}

const optionRules = shape({ delivery: oneOf(["balanced", "broadcast"]), retry: callPolicyRules.retry });

/**
 * The rules of a subscription, checked by the `service()` that names it, so that a mistake reads
 * `audit.on.record.handler` or `audit.on.record.retry.attempts`.
 */
export const subscriptionOptionRules: Rule = (value, at) => {
  const sub = value as Subscription;
  return fn(sub.handler, `${at}.handler`) ?? optionRules(sub.options, at);
};
