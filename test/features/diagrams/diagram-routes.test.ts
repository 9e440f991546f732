import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bookTrip, processText } from "../../../examples/text/flows.js";
import { type DeclaredFixture, declaredFixture } from "../declared-flows/fixture.js";

describe("the diagram routes", () => {
  let f: DeclaredFixture;
  beforeAll(async () => {
    f = await declaredFixture({ flows: [processText, bookTrip] });
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
    for (const name of ["shout", "process-text", "book-trip"]) {
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
