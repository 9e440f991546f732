import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bookTrip, textPipeline } from "../../../examples/text/flows.js";
import { text } from "../../../examples/text/services.js";
import { palette } from "../../../src/features/diagrams/palette.js";
import { type FlowContext, flow } from "../../../src/features/flows/index.js";
import { type DeclaredFixture, declaredFixture } from "../declared-flows/fixture.js";

describe("the diagram routes", () => {
  let f: DeclaredFixture;
  beforeAll(async () => {
    f = await declaredFixture({ flows: [textPipeline, bookTrip] });
    await f.client.post("/declared/flows", {
      name: "shout",
      inputs: [{ name: "message", type: "string" }],
      steps: [{ service: "upper" }, { id: "nap", type: "wait", duration: "1h" }],
    });
  });
  afterAll(() => f.stop());

  it("GET /flows/:name/diagram.mmd answers a declared flow's Mermaid text", async () => {
    const res = await f.client.get("/flows/shout/diagram.mmd");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.text).toBe(
      [
        "flowchart TD",
        '  n0(["start"])',
        '  n1["upper<br/>call upper"]',
        '  n2(["nap<br/>wait 1h"])',
        '  n3(["end"])',
        "  n0 --> n1",
        "  n1 --> n2",
        "  n2 --> n3",
        "",
      ].join("\n"),
    );
  });

  it("GET /flows/:name/diagram.svg answers SVG for declared and coded flows; an unknown flow is 404", async () => {
    for (const name of ["shout", "text-pipeline", "book-trip"]) {
      const res = await f.client.get(`/flows/${name}/diagram.svg`);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("image/svg+xml; charset=utf-8");
      expect(res.text).toMatch(
        new RegExp(`^<svg xmlns="http://www.w3.org/2000/svg"[^>]*aria-label="${name}"`),
      );
    }
    const missing = await f.client.get("/flows/nope/diagram.svg");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      error: { code: "TESSERA_NOT_FOUND", message: "no declared flow nope" },
    });
  });

  it("GET /flows/runs/:runId/diagram.mmd classes each step by its state", async () => {
    const run = await f.client.post("/declared/flows/shout/events", {
      data: { message: "hi" },
      mode: "async",
    });
    const id = (run.body as { eventId: string }).eventId;
    await f.engine.awaitRun(id, 200);
    const res = await f.client.get(`/flows/runs/${id}/diagram.mmd`);
    expect(res.status).toBe(200);
    expect(res.text).toContain("  class n0,n1 done\n");
    expect(res.text).toContain("  class n2 waiting\n");
    const saga = await f.client.post("/flows/book-trip/runs", { input: { traveller: "Ada", failAt: "car" } });
    const sagaRun = await f.client.get(`/flows/runs/${(saga.body as { runId: string }).runId}/diagram.mmd`);
    expect(sagaRun.text).toContain('  n1["book-flight<br/>step"]');
    expect(sagaRun.text).toMatch(/class n1,n2 compensated\n/);
    expect(sagaRun.text).toMatch(/class n3 failed\n/);
    expect((await f.client.get("/flows/runs/nope/diagram.svg")).status).toBe(404);
  });
});

/** The effects live in a helper: the flow's own source names none of them. */
async function chargeAndShout(ctx: FlowContext): Promise<string> {
  await ctx.step("charge", () => 5);
  return (await ctx.call(text.entries.upper, { message: "paid" })).message;
}
const opaque = flow("opaque", {}, (run) => chargeAndShout(run));

/** Its second step waits for the test to open the gate. */
let openGate: () => void = () => undefined;
const gate = new Promise<void>((resolve) => {
  openGate = resolve;
});
const gated = flow("gated", {}, async (ctx) => {
  await ctx.step("first", () => 1);
  await ctx.step("slow", () => gate.then(() => 2));
  await ctx.step("last", () => 3);
});

describe("the diagrams of coded flows", () => {
  let f: DeclaredFixture;
  beforeAll(async () => {
    f = await declaredFixture({ flows: [opaque, gated] });
  });
  afterAll(async () => {
    openGate();
    await f.stop();
  });

  it("draws a coded flow whose source names no effects from the journal of its latest run", async () => {
    const empty = await f.client.get("/flows/opaque/diagram.mmd");
    expect(empty.status).toBe(200);
    // No run yet: nothing to read the effects from.
    expect(empty.text).toBe(
      ["flowchart TD", '  n0(["start"])', '  n1(["end"])', "  n0 --> n1", ""].join("\n"),
    );
    const started = await f.client.post("/flows/opaque/runs", {});
    expect(started.body).toMatchObject({ status: "completed", output: "PAID" });
    const drawn = await f.client.get("/flows/opaque/diagram.mmd");
    expect(drawn.text).toBe(
      [
        "flowchart TD",
        '  n0(["start"])',
        '  n1["charge<br/>step"]',
        '  n2["upper<br/>call text.upper"]',
        '  n3(["end"])',
        "  n0 --> n1",
        "  n1 --> n2",
        "  n2 --> n3",
        "",
      ].join("\n"),
    );
    const runId = (started.body as { runId: string }).runId;
    const run = await f.client.get(`/flows/runs/${runId}/diagram.mmd`);
    expect(run.text).toContain('  n1["charge<br/>step"]');
    expect(run.text).toContain("  class n0,n1,n2,n3 done\n");
  });

  it("colours the step in flight of a running run as running", async () => {
    const started = await f.client.post("/flows/gated/runs", { mode: "async" });
    const runId = (started.body as { runId: string }).runId;
    // "first" is journaled once "slow" starts (write-ahead): from then on "slow" is in flight.
    await expect
      .poll(async () => (await f.engine.store.journal(runId)).map((e) => e.name), { timeout: 5000 })
      .toEqual(["first"]);
    expect((await f.engine.store.getRun(runId))?.status).toBe("running");
    const mmd = (await f.client.get(`/flows/runs/${runId}/diagram.mmd`)).text;
    expect(mmd).toContain("  class n0,n1 done\n");
    expect(mmd).toContain(
      `  classDef running fill:${palette.running.fill},stroke:${palette.running.stroke},stroke-width:2px\n  class n2 running\n`,
    );
    // Neither the step after it nor the end has a state yet.
    expect(mmd).not.toMatch(/class [^\n]*n[34]\b/);
    const svg = (await f.client.get(`/flows/runs/${runId}/diagram.svg`)).text;
    expect(svg).toContain(`aria-label="gated — running"`);
    const slow = svg.match(
      /<g class="node step state-running" data-id="e2" data-state="running">.*?<\/g>/,
    )?.[0];
    expect(slow).toContain(`fill="${palette.running.fill}" stroke="${palette.running.stroke}"`);
    expect(slow).toContain(">slow<");
    expect(svg).toMatch(/data-id="e3" data-state="pending"/);
    openGate();
    expect((await f.engine.awaitRun(runId, 5000)).status).toBe("completed");
    expect((await f.client.get(`/flows/runs/${runId}/diagram.mmd`)).text).toContain(
      "  class n0,n1,n2,n3,n4 done\n",
    );
  });
});
