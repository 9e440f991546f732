import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryFlowStore, memoryTransport } from "../../../src/adapters/memory/index.js";
import { createFlowEngine, cron, flow, flowsService, onEvent } from "../../../src/features/flows/index.js";
import { createNode, event, silentLogger, TesseraError } from "../../../src/index.js";
import { type Harness, harness } from "./fixtures.js";

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});

describe("triggers", () => {
  it("fires a cron schedule once per tick across two engines sharing a store", async () => {
    const store = memoryFlowStore();
    const ticker = flow(
      "ticker",
      { triggers: [cron("* * * * * *", (tick) => ({ tick: tick.toISOString() }))] },
      async (_ctx, input) => input,
    );
    open.push(await harness([ticker], { store, workerId: "a" }));
    open.push(await harness([ticker], { store, workerId: "b" }));
    await new Promise((r) => setTimeout(r, 2600));
    const runs = await store.listRuns({ flow: "ticker" });
    const ticks = runs.map((r) => (r.input as { tick: string }).tick);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(runs.every((r) => r.idempotencyKey?.startsWith("cron:* * * * * *:"))).toBe(true);
  });

  it("refuses an invalid cron pattern when the flow is declared", () => {
    expect(() => cron("every minute")).toThrow(TesseraError);
  });

  it("starts a run for each event of the bus, and wakes runs waiting for an event", async () => {
    const paid = event("order.paid", z.object({ orderId: z.string() }));
    const placed = event("order.placed", z.object({ orderId: z.string() }));
    const fulfil = flow(
      "fulfil",
      {
        input: z.object({ orderId: z.string() }),
        events: [paid],
        triggers: [onEvent(placed, (e) => ({ orderId: e.orderId }))],
      },
      async (ctx, { orderId }) => {
        const payment = await ctx.waitFor(paid, { match: (p) => p.orderId === orderId, timeout: "5s" });
        return payment === undefined ? "unpaid" : `paid ${payment.orderId}`;
      },
    );
    const store = memoryFlowStore();
    const engine = createFlowEngine({
      store,
      flows: [fulfil],
      pollMs: 50,
      logger: silentLogger,
      inlineSleepMs: 0,
    });
    const node = createNode({
      services: [flowsService(engine)],
      transport: memoryTransport(),
      logger: silentLogger,
    });
    await node.start();
    await engine.start(node);
    open.push({
      engine,
      node,
      stop: async () => {
        await engine.stop();
        await node.stop();
      },
    });
    await node.emit(placed, { orderId: "o-1" });
    await expect.poll(async () => (await store.listRuns({ flow: "fulfil" }))[0]?.status).toBe("waiting");
    await node.emit(paid, { orderId: "o-2" });
    await node.emit(paid, { orderId: "o-1" });
    await expect
      .poll(async () => (await store.listRuns({ flow: "fulfil" }))[0]?.output, { timeout: 5000 })
      .toBe("paid o-1");
  });
});
