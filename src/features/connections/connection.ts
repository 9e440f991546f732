import { z } from "zod";
import { TesseraError } from "../../core/errors.js";
import type { UseKey } from "../../core/uses.js";
import { kindOption, parseOptions } from "../definition-options.js";
import type { ArgModel, ArgShape, ArgsIn, ArgsOut } from "./arg-model.js";

/** What `ctx.use(conn)` gives a requester: send a request, get the checked reply. */
export interface Requester<In, Out> {
  /** Checks the arguments, sends them to the replier, checks its reply against the return model. */
  request(args: In, options?: { readonly timeout?: number }): Promise<Out>;
}

/** What `ctx.use(conn)` gives a publisher. */
export interface Publisher<In> {
  /** Checks the arguments and publishes them, on `topic` when given (the subject's last token). */
  publish(args: In, options?: { readonly topic?: string }): Promise<void>;
}

/** A request/reply connection: argument model, return model. */
export interface RequestReplyDef<
  N extends string = string,
  A extends ArgShape = ArgShape,
  R extends ArgShape = ArgShape,
> extends UseKey<Requester<ArgsIn<A>, ArgsOut<R>>> {
  readonly kind: "request-reply";
  readonly name: N;
  readonly args: ArgModel<A>;
  readonly returns: ArgModel<R>;
}

/** A publish/subscribe connection: argument model. */
export interface PublishSubscribeDef<N extends string = string, A extends ArgShape = ArgShape>
  extends UseKey<Publisher<ArgsIn<A>>> {
  readonly kind: "publish-subscribe";
  readonly name: N;
  readonly args: ArgModel<A>;
}

export type ConnectionDef = RequestReplyDef | PublishSubscribeDef;

const argModel = kindOption("args", "an argument model: declare it with args({...})");
const requestReplyModels = z.strictObject({ args: argModel, returns: argModel });
const publishSubscribeModels = z.strictObject({ args: argModel });

const connectionName = /^[a-zA-Z][\w-]*(\.[a-zA-Z][\w-]*)*$/;

function checkName(name: string): void {
  if (!connectionName.test(name))
    throw TesseraError.definition(
      name,
      `connection name "${name}" must be dotted words of letters, digits, "_" or "-"`,
    );
}

/**
 * Declares a request/reply connection: a requester sends arguments, a replier answers with
 * return arguments; both are checked on send and on receipt. Wired by name (see the addresses file).
 *
 * @example
 * export const getQuote = requestReply("quote", {
 *   args: args({ symbol: z.string() }),
 *   returns: args({ price: z.number(), venue: optional(z.string()) }),
 * });
 */
export function requestReply<const N extends string, A extends ArgShape, R extends ArgShape>(
  name: N,
  models: { readonly args: ArgModel<A>; readonly returns: ArgModel<R> },
): RequestReplyDef<N, A, R> {
  checkName(name);
  parseOptions(name, requestReplyModels, models);
  return Object.freeze({
    kind: "request-reply",
    name,
    args: models.args,
    returns: models.returns,
    useKey: `connection:${name}`,
  });
}

/**
 * Declares a publish/subscribe connection: publishers send arguments, every subscribing service
 * receives them (checked on send and on receipt), optionally by topic.
 *
 * @example
 * export const trades = publishSubscribe("trades", { args: args({ symbol: z.string(), qty: z.number().int() }) });
 */
export function publishSubscribe<const N extends string, A extends ArgShape>(
  name: N,
  models: { readonly args: ArgModel<A> },
): PublishSubscribeDef<N, A> {
  checkName(name);
  parseOptions(name, publishSubscribeModels, models);
  return Object.freeze({ kind: "publish-subscribe", name, args: models.args, useKey: `connection:${name}` });
}
