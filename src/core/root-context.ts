import { CallContext, type ContextHost } from "./call-context.js";
import type { CallMeta } from "./call-meta.js";
import type { Context } from "./context.js";
import { newRequestId } from "./ids.js";
import { TraceRoot } from "./trace-context.js";
import type { UseKey } from "./uses.js";

/**
 * The context of work that no call started. Every call, emit or message it sends starts its own
 * request: a new request id and a new trace, the context's identity and abort signal kept. A main
 * loop runs for the life of the node, so one id for all it does would tell nothing apart.
 */
class RootContext extends CallContext {
  protected override nested(): CallMeta {
    return {
      requestId: newRequestId(),
      identity: this.meta.identity,
      deadline: this.meta.deadline,
      signal: () => this.signal,
      trace: new TraceRoot(),
    };
  }

  // No caller: a sender taken once (`const tape = ctx.use(trades)`) gives each message its own request.
  override use<T>(key: UseKey<T>): T {
    return this.host.useOf(this.target, key);
  }
}

/**
 * A context for work that no call started: a service's main loop, its setup and signal handlers,
 * a change callback. `target` must start with the service's name (`feed.main`), so that
 * `ctx.config` and `ctx.use` find it. Its own `requestId` and `log` name the work itself; each
 * call, emit or message sent from it starts a request of its own (new request id, new trace).
 *
 * @example
 * const ctx = rootContext(node, "feed.main", controller.signal);
 */
export function rootContext(host: ContextHost, target: string, signal?: AbortSignal): Context {
  return new RootContext(host, target, {
    requestId: newRequestId(),
    identity: undefined,
    deadline: undefined,
    signal: signal === undefined ? undefined : () => signal,
  });
}
