import { z } from "zod";
import type { Context } from "../../core/context.js";
import type { ServiceUse } from "../../core/uses.js";
import { fnOption, kindOption, parseOptions } from "../definition-options.js";
import type { ArgShape, ArgsOut } from "./arg-model.js";
import type { PublishSubscribeDef, RequestReplyDef } from "./connection.js";

// replier(getQuote) without its handler, or replier(publishSubscribe…) used to be accepted: the
// first request failed with a TypeError, or never got an answer.
const replierArgs = z.strictObject({
  connection: kindOption("request-reply", "a request-reply connection: declare it with requestReply(...)"),
  handler: fnOption,
});

/** The name of the connections plugin, and of the feature of these declarations. */
export const CONNECTIONS = "connections";

export type ConnectionUse =
  | { readonly feature: typeof CONNECTIONS; readonly role: "requester"; readonly connection: RequestReplyDef }
  | {
      readonly feature: typeof CONNECTIONS;
      readonly role: "replier";
      readonly connection: RequestReplyDef;
      readonly handler: (args: never, ctx: Context) => unknown;
    }
  | {
      readonly feature: typeof CONNECTIONS;
      readonly role: "publisher";
      readonly connection: PublishSubscribeDef;
    }
  | {
      readonly feature: typeof CONNECTIONS;
      readonly role: "subscriber";
      readonly connection: PublishSubscribeDef;
      readonly handler: (args: never, ctx: Context, topic: string | undefined) => unknown;
      /** Queue semantics: each message reaches one instance of the service (default: every instance). */
      readonly queue: boolean;
    };

/** How a subscriber takes its messages. */
export interface SubscriberOptions {
  /**
   * `false` (default, a ZMQ SUB socket's semantics): every instance of the service gets every
   * message. `true`: the instances of the service share the messages, each reaching one of them
   * (a work queue per service; each subscribing service still gets its copy).
   */
  readonly queue?: boolean;
}

const subscriberOptions = z.strictObject({ queue: z.boolean().optional() });

/**
 * Declares, in a service's `uses`, that the service sends requests on `conn`: `ctx.use(conn).request(args)`.
 *
 * @example
 * service("trader", { uses: [requester(getQuote)], entries: { … ctx.use(getQuote).request({ symbol }) … } });
 */
export function requester<A extends ArgShape, R extends ArgShape>(
  conn: RequestReplyDef<string, A, R>,
): ServiceUse {
  return {
    feature: CONNECTIONS,
    role: "requester",
    connection: conn as unknown as RequestReplyDef,
  } as ConnectionUse;
}

/**
 * Declares, in a service's `uses`, that the service answers the requests of `conn`.
 *
 * @example
 * replier(getQuote, ({ symbol }, ctx) => ({ price: ctx.use(quotes).value[symbol] ?? 0 }))
 */
export function replier<A extends ArgShape, R extends ArgShape>(
  conn: RequestReplyDef<string, A, R>,
  handler: (args: ArgsOut<A>, ctx: Context) => ArgsOut<R> | Promise<ArgsOut<R>>,
): ServiceUse {
  parseOptions("replier", replierArgs, { connection: conn, handler });
  return {
    feature: CONNECTIONS,
    role: "replier",
    connection: conn as unknown as RequestReplyDef,
    handler,
  } as ConnectionUse;
}

/** Declares, in a service's `uses`, that the service publishes on `conn`: `ctx.use(conn).publish(args)`. */
export function publisher<A extends ArgShape>(conn: PublishSubscribeDef<string, A>): ServiceUse {
  return {
    feature: CONNECTIONS,
    role: "publisher",
    connection: conn as unknown as PublishSubscribeDef,
  } as ConnectionUse;
}

/**
 * Declares, in a service's `uses`, that the service receives what is published on `conn`: every
 * instance of the service gets every message, as a ZMQ SUB socket does, unless `{ queue: true }`
 * (each message reaches one instance of the service). `topic` is the topic it was published on.
 *
 * @example
 * subscriber(trades, ({ symbol, qty }, ctx) => ctx.log.info("trade", { symbol, qty }))
 * subscriber(orders, (order, ctx) => fill(order, ctx), { queue: true }) // one instance per order
 */
export function subscriber<A extends ArgShape>(
  conn: PublishSubscribeDef<string, A>,
  handler: (args: ArgsOut<A>, ctx: Context, topic: string | undefined) => unknown,
  options: SubscriberOptions = {},
): ServiceUse {
  parseOptions(`subscriber(${(conn as { name?: unknown })?.name})`, subscriberOptions, options);
  return {
    feature: CONNECTIONS,
    role: "subscriber",
    connection: conn as unknown as PublishSubscribeDef,
    handler,
    queue: options.queue === true,
  } as ConnectionUse;
}

/** The connection declarations of a service. */
export function connectionUsesOf(svc: {
  readonly options: { readonly uses?: readonly ServiceUse[] };
}): ConnectionUse[] {
  return (svc.options.uses ?? []).filter((u): u is ConnectionUse => u.feature === CONNECTIONS);
}
