// Issue 18 verification: one request id for a whole main loop. The loop ran with one context for
// the life of the node, so every call, emit and message it sent shared one request id and one
// trace: logs and traces could not tell its iterations apart, and a flow started by its events
// ran once (the trigger's idempotency key is `event:<requestId>`).
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryFlowStore, memoryTransport } from "../../../src/adapters/memory/index.js";
import type { Context } from "../../../src/core/context.js";
import {
  args,
  connections,
  publisher,
  publishSubscribe,
  subscriber,
} from "../../../src/features/connections/index.js";
import { createFlowEngine, flow, flowsService, onEvent } from "../../../src/features/flows/index.js";
import { mainLoop, mainMode } from "../../../src/features/main-mode/index.js";
import {
  createNode,
  entry,
  event,
  type NodePlugin,
  type ServiceDef,
  service,
  silentLogger,
  subscribe,
  type TesseraNode,
} from "../../../src/index.js";

const N = 5;
const tick = event("loop.tick", z.object({ n: z.number() }));
const ticks = publishSubscribe("ticks", { args: args({ n: z.number() }) });

interface Seen {
  readonly requestId: string;
  readonly traceId: string;
}
const seenOf = (ctx: Context): Seen => ({ requestId: ctx.requestId, traceId: ctx.trace.traceId });

const started: TesseraNode[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((n) => n.stop()));
});

async function run(services: ServiceDef[], plugins: NodePlugin[]): Promise<TesseraNode> {
  const node = createNode({
    services,
    transport: memoryTransport(),
    plugins: [...plugins, mainMode({ handleSignals: false })],
    logger: silentLogger,
  });
  started.push(node);
  await node.start();
  return node;
}

describe("one request id for a whole main loop", () => {
  it("each call and each emit of the loop starts its own request: its own request id and trace", async () => {
    const calls: Seen[] = [];
    const events: Seen[] = [];
    let loopId = "";
    const sink = service("sink", {
      entries: {
        take: entry({ input: z.object({ n: z.number() }) }, (_i, ctx) => void calls.push(seenOf(ctx))),
      },
      on: { tick: subscribe(tick, (_p, ctx) => void events.push(seenOf(ctx))) },
    });
    const looper = service("looper", {
      uses: [
        mainLoop(async (ctx) => {
          loopId = ctx.requestId;
          for (let n = 0; n < N; n++) {
            await ctx.call(sink.entries.take, { n });
            await ctx.emit(tick, { n });
          }
        }),
      ],
    });
    await run([sink, looper], []);
    await expect.poll(() => calls.length + events.length).toBe(2 * N);
    const ids = [...calls, ...events].map((s) => s.requestId);
    expect(new Set(ids).size).toBe(2 * N);
    expect(ids).not.toContain(loopId);
    expect(new Set([...calls, ...events].map((s) => s.traceId)).size).toBe(2 * N);
  });

  it("a sender the loop takes once gives each message its own request id and trace", async () => {
    const got: Seen[] = [];
    const listener = service("listener", {
      uses: [subscriber(ticks, (_m, ctx) => void got.push(seenOf(ctx)))],
    });
    const looper = service("looper", {
      uses: [
        publisher(ticks),
        mainLoop(async (ctx) => {
          const out = ctx.use(ticks); // taken once, as the exchange example's feed does
          for (let n = 0; n < N; n++) await out.publish({ n });
        }),
      ],
    });
    await run([listener, looper], [connections()]);
    await expect.poll(() => got.length).toBe(N);
    expect(new Set(got.map((s) => s.requestId)).size).toBe(N);
    expect(new Set(got.map((s) => s.traceId)).size).toBe(N);
  });

  it("every event the loop emits starts its flow (they were all one trigger key, one run)", async () => {
    const counted = flow(
      "counted",
      { input: z.object({ n: z.number() }), triggers: [onEvent(tick, (e) => ({ n: e.n }))] },
      async (_ctx, { n }) => n,
    );
    const store = memoryFlowStore();
    const engine = createFlowEngine({ store, flows: [counted], pollMs: 50, logger: silentLogger });
    const looper = service("looper", {
      uses: [
        mainLoop(async (ctx) => {
          for (let n = 0; n < N; n++) await ctx.emit(tick, { n });
        }),
      ],
    });
    const node = await run([flowsService(engine), looper], []);
    await engine.start(node);
    try {
      await expect
        .poll(async () => (await store.listRuns({ flow: "counted" })).length, { timeout: 5000 })
        .toBe(N);
    } finally {
      await engine.stop();
    }
  });
});
