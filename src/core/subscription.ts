import type { Context } from "./context.js";
import type { EventDef } from "./event.js";
import type { RetryPolicy } from "./policies.js";

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
  return { kind: "subscription", event: event as EventDef, handler, options };
}
