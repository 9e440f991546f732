import { afterEach, describe, expect, it } from "vitest";
import { memoryFlowStore, memoryTransport } from "../../../src/adapters/memory/index.js";
import { flowStep } from "../../../src/features/flows/budget.js";
import { createFlowEngine, flow, flowsService } from "../../../src/features/flows/index.js";
import { createNode, type RunningServer, serve, silentLogger, TesseraError } from "../../../src/index.js";
import { type Harness, harness } from "./fixtures.js";

// Issue 14, finding 4 (the engine's part): a run that never ends can no longer freeze its node.
// It yields to the event loop between steps and has a budget of steps per activation and of
// journal entries in all; past it, it fails with TESSERA_FLOW_BUDGET (and compensates).

const open: Harness[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const start = async (...args: Parameters<typeof harness>) => {
  const h = await harness(...args);
  open.push(h);
  return h;
};

describe("run budgets", () => {
  it("a loop with no exit spun until the process was killed: it fails with TESSERA_FLOW_BUDGET and compensates", async () => {
    const log: string[] = [];
    const spin = flow("spin", { budget: { stepsPerActivation: 300 } }, async (ctx) => {
      await ctx.step("reserve", () => log.push("reserve"), { compensate: () => void log.push("release") });
      for (;;) await ctx.step("again", () => 1);
    });
    const { engine } = await start([spin]);
    const { run } = await engine.startRun(spin, undefined);
    const end = await engine.awaitRun(run.id, 20_000);
    expect(end).toMatchObject({
      status: "compensated",
      error: { code: "TESSERA_FLOW_BUDGET", details: { stepsPerActivation: 300 } },
    });
    expect(log).toEqual(["reserve", "release"]);
    expect((await engine.store.journal(run.id)).filter((e) => e.seq > 0)).toHaveLength(300);
  });

  it("a loop whose code caught every error kept spinning past its budget", async () => {
    const spin = flow("stubborn", {}, async (ctx) => {
      for (;;) {
        try {
          await ctx.step("again", () => 1);
        } catch {
          // swallows everything, the budget included
        }
      }
    });
    const { engine } = await start([spin], { budget: { stepsPerActivation: 200 } });
    const { run } = await engine.startRun(spin, undefined);
    expect(await engine.awaitRun(run.id, 20_000)).toMatchObject({
      status: "failed",
      error: { code: "TESSERA_FLOW_BUDGET" },
    });
  });

  it("a looping run grew its journal without end (2,554 entries in a second): journal entries are bounded in all", async () => {
    const looping = flow("sleepy-loop", { budget: { journalEntries: 40 } }, async (ctx) => {
      for (;;) await ctx.sleep(1);
    });
    const { engine } = await start([looping], { inlineSleepMs: 1000 });
    const { run } = await engine.startRun(looping, undefined);
    expect(await engine.awaitRun(run.id, 20_000)).toMatchObject({
      status: "failed",
      error: { code: "TESSERA_FLOW_BUDGET", details: { journalEntries: 40 } },
    });
    expect(await engine.store.journal(run.id)).toHaveLength(40);
  });

  it("non-effect steps (a declared flow's choices) counted nothing and never yielded: flowStep counts them", async () => {
    const choosing = flow("choosing", { budget: { stepsPerActivation: 1000 } }, async (ctx) => {
      for (;;) {
        const pause = flowStep(ctx);
        if (pause !== undefined) await pause;
      }
    });
    const { engine } = await start([choosing]);
    const { run } = await engine.startRun(choosing, undefined);
    expect(await engine.awaitRun(run.id, 20_000)).toMatchObject({
      status: "failed",
      error: { code: "TESSERA_FLOW_BUDGET", details: { stepsPerActivation: 1000 } },
    });
  });

  it("a budget that is not a positive integer is refused when the flow or the engine is declared", () => {
    expect(() => flow("bad", { budget: { stepsPerActivation: 0 } }, async () => 1)).toThrow(TesseraError);
    expect(() =>
      createFlowEngine({ store: memoryFlowStore(), flows: [], budget: { journalEntries: 1.5 } }),
    ).toThrow(/journalEntries/);
  });

  it("a spinning run left /health unanswered: the node answers while the run spins", async () => {
    let steps = 0;
    const spin = flow(
      "spin-forever",
      { budget: { stepsPerActivation: 1e9, journalEntries: 1e9 } },
      async (ctx) => {
        for (;;) await ctx.step("again", () => ++steps);
      },
    );
    const engine = createFlowEngine({ store: memoryFlowStore(), flows: [spin], logger: silentLogger });
    const node = createNode({
      services: [flowsService(engine)],
      plugins: [engine],
      transport: memoryTransport(),
      logger: silentLogger,
    });
    const server = await serve(node, { port: 0 });
    servers.push(server);
    // One request before the run starts, so that the figures below measure the spin, not a cold start.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const { run } = await engine.startRun(spin, undefined);
    await expect.poll(() => steps, { timeout: 20_000 }).toBeGreaterThan(1000);
    const took: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/health`);
      took.push(performance.now() - t0);
      expect(res.status).toBe(200);
    }
    const during = steps;
    expect(during).toBeGreaterThan(1000); // still spinning while /health answered
    took.sort((a, b) => a - b);
    console.log(
      `/health while a run spins: ${took.map((t) => t.toFixed(1)).join(" ")} ms (sorted; ${steps} steps so far)`,
    );
    await engine.cancel(run.id);
    expect((await engine.awaitRun(run.id, 20_000)).status).toBe("cancelled");
  });
});
