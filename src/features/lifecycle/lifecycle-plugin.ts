import { TesseraError } from "../../core/errors.js";
import type { NodePlugin, TesseraNode } from "../../core/node.js";
import { rootContext } from "../../core/root-context.js";
import { LIFECYCLE, type LifecycleUse, lifecycleOf, type SetupHooks } from "./lifecycle.js";

export interface LifecyclePluginOptions {
  /**
   * Listen to SIGINT and SIGTERM (default true) when a service has `onSignal`: run the handlers,
   * then stop the node. Whoever else stops the node on a signal (`tesserae start`) waits for them.
   */
  readonly handleSignals?: boolean;
}

const phases = ["configs", "connections", "states"] as const satisfies readonly (keyof SetupHooks)[];
const signals = ["SIGINT", "SIGTERM"] as const;

/**
 * Runs the services' `lifecycle(...)` hooks, a node plugin: place it after the connections and
 * states plugins (and before main mode, whose loops then start after every setup). `tesserae
 * start` adds it when a service declares hooks.
 *
 * @example
 * createNode({ services, transport, plugins: [replicatedStates(), connections(), lifecycleHooks(), mainMode()] });
 */
export function lifecycleHooks(options: LifecyclePluginOptions = {}): NodePlugin {
  let listeners: [(typeof signals)[number], () => void][] = [];
  let signalled: Promise<void> | undefined;
  let hooked: { service: string; use: LifecycleUse }[] = [];
  const controller = new AbortController();

  const runSignal = (node: TesseraNode, signal: "SIGINT" | "SIGTERM"): Promise<void> => {
    signalled ??= (async () => {
      await Promise.all(
        hooked.map(async ({ service, use }) => {
          try {
            await use.onSignal?.(signal, rootContext(node, `${service}.signal`, controller.signal));
          } catch (err) {
            node.logger.error(`${service}: onSignal failed`, { err });
          }
        }),
      );
    })();
    return signalled;
  };

  return {
    name: LIFECYCLE,
    async start(node) {
      hooked = node.services.flatMap((svc) => lifecycleOf(svc).map((use) => ({ service: svc.name, use })));
      for (const phase of phases) {
        for (const { service, use } of hooked) {
          const hook = use.setup[phase];
          if (hook === undefined) continue;
          try {
            await hook(rootContext(node, `${service}.setup`, controller.signal));
          } catch (err) {
            throw new TesseraError(
              "TESSERA_INTERNAL",
              `${service}: setup (${phase}) failed: ${(err as Error)?.message ?? err}`,
              { cause: err },
            );
          }
        }
      }
      if (options.handleSignals !== false && hooked.some((h) => h.use.onSignal !== undefined)) {
        // One listener per signal, which knows its name (an emitted signal may come without it).
        listeners = signals.map((s) => [s, () => void runSignal(node, s).then(() => node.stop())]);
        for (const [s, listener] of listeners) process.on(s, listener);
      }
    },
    async stop(node) {
      // A signal's handlers run to their end before the states and connections stop.
      await signalled;
      for (const [s, listener] of listeners) process.off(s, listener);
      listeners = [];
      controller.abort(TesseraError.unavailable(`node ${node.id} is stopping`));
    },
  };
}
