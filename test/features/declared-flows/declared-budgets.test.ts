import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { entry, service } from "../../../src/index.js";
import { field } from "./external-services.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

/** A counter that answers at once (an in-process entry: no I/O to yield on). */
const counter = service("counter", {
  entries: {
    inc: entry(
      { input: z.object({ n: z.number().int() }), output: z.object({ n: z.number().int() }) },
      ({ n }) => ({
        n: n + 1,
      }),
    ),
  },
});

/** A loop of `inc` calls and a choice, `until` times round. */
const looping = (name: string, until: number, budget?: Record<string, number>) => ({
  name,
  inputs: [field("n", "int")],
  ...(budget === undefined ? {} : { budget }),
  steps: [
    { id: "count", service: "inc" },
    { id: "again", type: "choice", choices: [{ when: { field: "n", lt: until }, next: "count" }] },
  ],
});

describe("declared flows: no definition freezes the node (issue 14, finding 4)", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });

  it("a long loop of in-process calls used to hold the event loop: /healthcheck answers while it runs", async () => {
    f = await declaredFixture({ services: [counter], aliases: { inc: "counter.inc" } });
    expect((await f.client.post("/declared/flows", looping("spin", 3000))).status).toBe(201);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const { run } = await f.declared.run("spin", { n: 0 });
    let answered = 0;
    let whileRunning = 0;
    for (;;) {
      const health = await f.client.get("/healthcheck");
      expect(health.status).toBe(204);
      answered++;
      const status = (await f.engine.store.getRun(run.id))?.status;
      if (status === "completed" || status === "failed") break;
      whileRunning++;
      await new Promise((r) => setTimeout(r, 5));
    }
    delay.disable();
    expect(await f.engine.awaitRun(run.id)).toMatchObject({ status: "completed", output: { n: 3000 } });
    // Health checks were answered while the run was going (the figure is reported, not asserted).
    expect(whileRunning).toBeGreaterThan(0);
    console.log(
      `declared loop of 3000 calls + 3000 choices: ${answered} health checks, ${whileRunning} while it ran; event-loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`,
    );
  });

  it("a declared flow's own budget: a run past its steps per activation fails with TESSERA_FLOW_BUDGET", async () => {
    f = await declaredFixture({ services: [counter], aliases: { inc: "counter.inc" } });
    expect(
      (await f.client.post("/declared/flows", looping("bounded", 1000, { stepsPerActivation: 300 }))).status,
    ).toBe(201);
    const run = await f.client.post("/declared/flows/bounded/events", { data: { n: 0 } });
    expect(run.body).toMatchObject({ status: "failed", error: { code: "TESSERA_FLOW_BUDGET" } });
    const bad = await f.client.post("/declared/flows", looping("unbounded", 10, { stepsPerActivation: 0 }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: { details: { fields: { "budget.stepsPerActivation": [expect.any(String)] } } },
    });
  });

  it("choices count against the budget: a loop of choices and calls stops at the budget, choices included", async () => {
    f = await declaredFixture({
      services: [counter],
      aliases: { inc: "counter.inc" },
      engine: { budget: { stepsPerActivation: 150 } },
    });
    await f.client.post("/declared/flows", looping("counted", 100));
    // 100 calls alone fit in 150 steps; with their 100 choices they do not.
    const run = await f.client.post("/declared/flows/counted/events", { data: { n: 0 } });
    expect(run.body).toMatchObject({ status: "failed", error: { code: "TESSERA_FLOW_BUDGET" } });
  });
});
