import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { configModel } from "../../../src/core/config.js";
import { entry } from "../../../src/core/entry.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode, type NodePlugin, type TesseraNode } from "../../../src/core/node.js";
import { type ServiceDef, service } from "../../../src/core/service.js";
import {
  args,
  connections,
  publisher,
  publishSubscribe,
  subscriber,
} from "../../../src/features/connections/index.js";
import { lifecycle } from "../../../src/features/lifecycle/lifecycle.js";
import { lifecycleHooks } from "../../../src/features/lifecycle/lifecycle-plugin.js";
import { mainLoop, mainMode } from "../../../src/features/main-mode/index.js";
import { holds, owns, replicatedStates, state } from "../../../src/features/states/index.js";

const hello = publishSubscribe("hello", { args: args({ from: z.string() }) });
const level = state("lifecycle-level", z.object({ n: z.number() }), { initial: { n: 0 } });
const limits = configModel({ min: z.number(), max: z.number() });

const nodes: TesseraNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});
function node(services: ServiceDef[], plugins: NodePlugin[], env: Record<string, string> = {}) {
  const n = createNode({
    services,
    transport: memoryTransport({ bus: createMemoryBus() }),
    plugins,
    env,
    logger: silentLogger,
  });
  nodes.push(n);
  return n;
}
const plugins = (handleSignals = false) => [
  replicatedStates({ beatMs: 50, retryMs: 20 }),
  connections(),
  lifecycleHooks({ handleSignals }),
  mainMode({ handleSignals: false }),
];

describe("lifecycle hooks of every service", () => {
  it("runs configs, then connections, then states hooks of every service, all before any main loop", async () => {
    const events: string[] = [];
    const heard: string[] = [];
    // A serving service (entries, no main loop) gets the seed's setup hooks too.
    const desk = service("desk", {
      config: limits,
      uses: [
        publisher(hello),
        owns(level),
        lifecycle({
          setup: {
            configs: (ctx) => void events.push(`desk configs ${JSON.stringify(ctx.config(limits))}`),
            connections: (ctx) => {
              events.push("desk connections");
              return ctx.use(hello).publish({ from: "desk" });
            },
            states: async (ctx) => {
              events.push("desk states");
              await ctx.use(level).set({ n: 7 });
            },
          },
        }),
      ],
      entries: { read: entry((_i, ctx) => ctx.use(level).value) },
    });
    const audit = service("audit", {
      uses: [
        subscriber(hello, ({ from }) => void heard.push(from)),
        holds(level),
        lifecycle({ setup: () => void events.push("audit configs") }),
      ],
    });
    const ticker = service("ticker", { uses: [mainLoop(() => void events.push("loop"))] });
    const n = node([desk, audit, ticker], plugins(), { DESK_MIN: "1", DESK_MAX: "9" });
    await n.start();
    await vi.waitFor(() => expect(events).toContain("loop"));
    expect(events).toEqual([
      'desk configs {"min":1,"max":9}',
      "audit configs",
      "desk connections",
      "desk states",
      "loop",
    ]);
    await vi.waitFor(() => expect(heard).toEqual(["desk"]));
    await vi.waitFor(() => expect(n.use(level, "audit").value).toEqual({ n: 7 }));
  });

  it("fails the start naming the service and the phase when a hook throws", async () => {
    const broken = service("broken", {
      config: limits,
      uses: [
        lifecycle({
          setup: {
            configs: (ctx) => {
              const { min, max } = ctx.config(limits);
              if (min > max) throw new Error(`min ${min} is above max ${max}`);
            },
          },
        }),
      ],
    });
    await expect(node([broken], plugins(), { BROKEN_MIN: "5", BROKEN_MAX: "1" }).start()).rejects.toThrow(
      "broken: setup (configs) failed: min 5 is above max 1",
    );
  });

  it("runs a serving service's onSignal on SIGTERM while states and connections still work, then stops the node", async () => {
    const heard: string[] = [];
    let seen: unknown;
    const desk = service("desk", {
      uses: [
        publisher(hello),
        owns(level),
        lifecycle({
          onSignal: async (signal, ctx) => {
            await ctx.use(level).set({ n: 42 });
            seen = ctx.use(level).value;
            await ctx.use(hello).publish({ from: signal });
          },
        }),
      ],
      entries: { ping: entry(() => "pong") },
    });
    const audit = service("audit", { uses: [subscriber(hello, ({ from }) => void heard.push(from))] });
    const n = node([desk, audit], plugins(true));
    await n.start();
    const before = process.listenerCount("SIGTERM");
    process.emit("SIGTERM");
    await vi.waitFor(() => expect(heard).toEqual(["SIGTERM"]));
    expect(seen).toEqual({ n: 42 });
    await vi.waitFor(() => expect(n.call(desk.entries.ping)).rejects.toThrow(/stopped|stopping/));
    // The node's listeners are gone once it stopped.
    expect(process.listenerCount("SIGTERM")).toBe(before - 1);
  });

  it("refuses hooks it does not know and hooks that are not functions", () => {
    expect(() => lifecycle({ setup: { config: () => undefined } } as never)).toThrow(/config/);
    expect(() => lifecycle({ onSignal: "flush" } as never)).toThrow(/onSignal/);
  });
});
