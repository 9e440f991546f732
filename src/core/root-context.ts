import { CallContext, type ContextHost } from "./call-context.js";
import type { Context } from "./context.js";
import { newRequestId } from "./ids.js";

/**
 * A context for work that no call started: a service's main loop, a change callback. `target`
 * must start with the service's name (`feed.main`), so that `ctx.config` and `ctx.use` find it.
 *
 * @example
 * const ctx = rootContext(node, "feed.main", controller.signal);
 */
export function rootContext(host: ContextHost, target: string, signal?: AbortSignal): Context {
  return new CallContext(host, target, {
    requestId: newRequestId(),
    identity: undefined,
    deadline: undefined,
    signal: signal === undefined ? undefined : () => signal,
  });
}
