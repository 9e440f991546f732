import type { Context } from "../../core/context.js";
import { TesseraError } from "../../core/errors.js";
import type { NodePlugin, TesseraNode } from "../../core/node.js";
import { rootContext } from "../../core/root-context.js";
import { MAIN_MODE, type MainLoop, mainLoopOf } from "./main-loop.js";

export interface MainModeOptions {
  /**
   * Listen to SIGINT and SIGTERM (default true): run the services' `onSignal` handlers, then stop
   * the node. Whoever else stops the node on a signal (e.g. `tesserae start`) waits for them too.
   */
  readonly handleSignals?: boolean;
  /** How long `stop` waits for the loops to return once their signal is aborted (default 5000 ms). */
  readonly stopTimeoutMs?: number;
  /**
   * Run the setup hooks and loops (default true). False for a node that only serves or calls the
   * project's other services, e.g. a one-off command (`tesserae call`): no producer starts.
   */
  readonly loops?: boolean;
}

interface Running {
  readonly service: string;
  readonly loop: MainLoop;
  readonly ctx: Context;
  readonly done: Promise<void>;
}

const signals = ["SIGINT", "SIGTERM"] as const;

/**
 * Main mode, a node plugin: once the node runs, it calls the `setup` of every local service that
 * declares a `mainLoop`, then starts their loops. On SIGINT/SIGTERM it runs their `onSignal`
 * handlers before the node shuts down; on stop it aborts the loops' `ctx.signal` and waits for
 * them to return (bounded).
 *
 * @example
 * const node = createNode({ services: [ticker], transport, plugins: [replicatedStates(), mainMode()] });
 * await node.start(); // the ticker's loop runs until SIGTERM
 */
export function mainMode(options: MainModeOptions = {}): NodePlugin {
  const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  const controller = new AbortController();
  let running: Running[] = [];
  let signalled: Promise<void> | undefined;
  let listener: ((signal: NodeJS.Signals) => void) | undefined;

  const onSignal = (node: TesseraNode, signal: "SIGINT" | "SIGTERM"): Promise<void> => {
    signalled ??= (async () => {
      node.logger.info(`${signal}: running the signal handlers of the main loops`);
      await Promise.all(
        running.map(async ({ service, loop, ctx }) => {
          try {
            await loop.options.onSignal?.(signal, ctx);
          } catch (err) {
            node.logger.error(`${service}: onSignal failed`, { err });
          }
        }),
      );
    })();
    return signalled;
  };

  return {
    name: MAIN_MODE,
    async start(node) {
      if (options.loops === false) return;
      const loops = node.services.flatMap((svc) => {
        const loop = mainLoopOf(svc);
        if (loop === undefined) return [];
        if (Object.keys(svc.entries).length > 0 || Object.keys(svc.options.on ?? {}).length > 0) {
          throw TesseraError.definition(
            svc.name,
            `service "${svc.name}" has a main loop and inbound entries or subscriptions: a main-mode service is a leading edge, give it none`,
          );
        }
        return [{ service: svc.name, loop, ctx: rootContext(node, `${svc.name}.main`, controller.signal) }];
      });
      for (const { service, loop, ctx } of loops) {
        try {
          await loop.options.setup?.(ctx);
        } catch (err) {
          throw new TesseraError(
            "TESSERA_INTERNAL",
            `${service}: setup failed: ${(err as Error)?.message ?? err}`,
            {
              cause: err,
            },
          );
        }
      }
      if (options.handleSignals !== false && loops.length > 0) {
        listener = (signal) => {
          void onSignal(node, signal as "SIGINT" | "SIGTERM").then(() => node.stop());
        };
        for (const s of signals) process.on(s, listener);
      }
      running = loops.map((l) => ({
        ...l,
        done: (async () => {
          try {
            await l.loop.run(l.ctx);
            if (!controller.signal.aborted) node.logger.info(`${l.service}: main loop finished`);
          } catch (err) {
            if (!controller.signal.aborted) node.logger.error(`${l.service}: main loop failed`, { err });
          }
        })(),
      }));
    },
    async stop(node) {
      // A signal's handlers run to their end before anything stops.
      await signalled;
      if (listener !== undefined) for (const s of signals) process.off(s, listener);
      listener = undefined;
      controller.abort(TesseraError.unavailable(`node ${node.id} is stopping`));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), stopTimeoutMs);
      });
      const r = await Promise.race([Promise.all(running.map((r) => r.done)), late]);
      clearTimeout(timer);
      if (r === "late")
        node.logger.warn(`main loops still running ${stopTimeoutMs} ms after the stop signal`);
      running = [];
    },
  };
}
