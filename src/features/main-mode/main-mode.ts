import type { Context } from "../../core/context.js";
import { TesseraError } from "../../core/errors.js";
import type { NodePlugin, TesseraNode } from "../../core/node.js";
import { rootContext } from "../../core/root-context.js";
import type { UseKey } from "../../core/uses.js";
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

/** Uses that make a service take messages: a leading edge has none (as the seed's main mode). */
const INBOUND: Readonly<Record<string, readonly string[]>> = {
  connections: ["replier", "subscriber"],
  states: ["holder"],
};

type Svc = TesseraNode["services"][number];

/** Why a service cannot run in main mode on this node, if it cannot. */
function refusal(svc: Svc): string | undefined {
  if (Object.keys(svc.entries).length > 0 || Object.keys(svc.options.on ?? {}).length > 0)
    return "inbound entries or subscriptions";
  for (const use of svc.options.uses ?? []) {
    const role = (use as { role?: unknown }).role;
    if (typeof role === "string" && INBOUND[use.feature]?.includes(role))
      return `an inbound ${use.feature === "states" ? "state (holds)" : `connection (${role})`}`;
  }
  return undefined;
}

/** A use its loop would reach through `ctx.use` whose plugin has not started yet (it comes after main mode). */
function notYetProvided(node: TesseraNode, svc: Svc): string | undefined {
  for (const use of svc.options.uses ?? []) {
    for (const v of Object.values(use)) {
      const key = (v as { useKey?: unknown } | null)?.useKey;
      if (typeof key !== "string") continue;
      try {
        node.use(v as UseKey<unknown>, svc.name);
      } catch (err) {
        if (err instanceof TesseraError && err.message.includes("nothing on this node provides"))
          return `${key} (plugin "${use.feature}")`;
      }
    }
  }
  return undefined;
}

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
  /** Loops that threw: the node is not ready while one is dead. */
  const failed = new Map<string, string>();

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
    readinessChecks: () => [
      {
        name: "main loops",
        ping: async () => {
          if (failed.size > 0)
            throw new Error([...failed].map(([svc, why]) => `${svc}: main loop failed: ${why}`).join("; "));
        },
      },
    ],
    async start(node) {
      if (options.loops === false) return;
      const loops = node.services.flatMap((svc) => {
        const loop = mainLoopOf(svc);
        if (loop === undefined) return [];
        const why = refusal(svc);
        if (why !== undefined) {
          throw TesseraError.definition(
            svc.name,
            `service "${svc.name}" has a main loop and ${why}: a main-mode service is a leading edge, with no inbound entries, subscriptions, inbound connections or held states`,
          );
        }
        const late = notYetProvided(node, svc);
        if (late !== undefined) {
          throw TesseraError.definition(
            "node.plugins",
            `service "${svc.name}" has a main loop that uses ${late}, whose plugin starts after mainMode(): put mainMode() last in the node's plugins`,
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
            if (!controller.signal.aborted) {
              failed.set(l.service, (err as Error)?.message ?? String(err));
              node.logger.error(`${l.service}: main loop failed: the node is not ready until it restarts`, {
                err,
              });
            }
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
