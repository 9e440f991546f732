import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { flow, signal } from "../../../src/features/flows/index.js";
import { createGateway } from "../../../src/index.js";
import { testClient } from "../../../src/testing/index.js";
import { type Harness, harness } from "./fixtures.js";

// Issue 14, finding 5 (coded flows): a signal name the flow never waits for was answered 202
// `accepted: true` and dropped, so a typo looked like success.

const approval = signal("approval", z.object({ approved: z.boolean() }));
const approve = flow(
  "approve",
  { signals: [approval] },
  async (ctx) => (await ctx.waitFor(approval)).approved,
);
const undeclared = flow("undeclared", {}, async (ctx) => ctx.waitFor(signal("never-declared")));

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});
async function client() {
  const h = await harness([approve, undeclared], { inlineSleepMs: 0 });
  open.push(h);
  return { engine: h.engine, http: testClient(createGateway(h.node)) };
}

describe("signals a run cannot take are refused", () => {
  it("a signal name the flow never waits for answered 202 accepted and was dropped", async () => {
    const { engine, http } = await client();
    const { run } = await engine.startRun(approve, undefined);
    await expect.poll(async () => (await engine.store.getRun(run.id))?.status).toBe("waiting");
    const typo = await http.post(`/flows/runs/${run.id}/signals/aproval`, { payload: { approved: true } });
    expect(typo.status).toBe(404);
    expect(typo.body).toMatchObject({
      error: { code: "TESSERA_NOT_FOUND", details: { signal: "aproval", accepts: ["approval"] } },
    });
    await expect(engine.signal(run.id, "aproval", {})).rejects.toMatchObject({
      code: "TESSERA_NOT_FOUND",
      details: { accepts: ["approval"] },
    });
    expect(await engine.store.signals(run.id)).toEqual([]);
    const ok = await http.post(`/flows/runs/${run.id}/signals/approval`, { payload: { approved: true } });
    expect(ok.status).toBe(202);
    expect((await engine.awaitRun(run.id, 5000)).output).toBe(true);
  });

  it("a signal to a run that has ended is refused 409 with the run's status (a guard: it already was)", async () => {
    const { engine, http } = await client();
    const { run } = await engine.startRun(approve, undefined);
    await expect.poll(async () => (await engine.store.getRun(run.id))?.status).toBe("waiting");
    await engine.signal(run.id, approval, { approved: false });
    expect((await engine.awaitRun(run.id, 5000)).status).toBe("completed");
    const late = await http.post(`/flows/runs/${run.id}/signals/approval`, { payload: { approved: true } });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({
      error: { code: "TESSERA_CONFLICT", details: { status: "completed" } },
    });
  });

  it("a flow waiting for a signal it does not declare waited forever for what no one could send", async () => {
    const { engine } = await client();
    const { run } = await engine.startRun(undeclared, undefined);
    expect(await engine.awaitRun(run.id, 5000)).toMatchObject({
      status: "failed",
      error: { code: "TESSERA_DEFINITION", details: { name: "never-declared" } },
    });
  });
});
