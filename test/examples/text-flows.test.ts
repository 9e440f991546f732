import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleFlowEngine } from "../../examples/text/flows.js";
import { pipeline, text } from "../../examples/text/services.js";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { flowsService } from "../../src/features/flows/index.js";
import { createGateway, createNode, silentLogger } from "../../src/index.js";
import { testClient } from "../../src/testing/index.js";

// The flows of the example system (issue 5), on SQLite as `npm start` runs them.

const dir = mkdtempSync(join(tmpdir(), "tesserae-example-flows-"));
const flows = exampleFlowEngine(join(dir, "flows.db"), silentLogger);
const node = createNode({
  services: [text, pipeline, flowsService(flows)],
  plugins: [flows],
  transport: memoryTransport(),
  logger: silentLogger,
});
const client = testClient(createGateway(node));
beforeAll(() => node.start());
afterAll(async () => {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("example system: flows", () => {
  it("POST /flows/text-pipeline/runs answers the output synchronously", async () => {
    const res = await client.post("/flows/text-pipeline/runs", { input: { message: "hello world" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "completed", output: { message: "DLROW OLLEH", count: 1 } });
  });

  it('"mode":"async" answers 202 with the run id, and the run can be followed', async () => {
    const res = await client.post("/flows/text-pipeline/runs", {
      input: { message: "a b c" },
      mode: "async",
    });
    expect(res.status).toBe(202);
    const { runId } = res.body as { runId: string };
    expect(res.headers.location).toBe(`/flows/runs/${runId}`);
    await expect
      .poll(async () => ((await client.get(`/flows/runs/${runId}`)).body as { status: string }).status)
      .toBe("completed");
    expect((await client.get(`/flows/runs/${runId}`)).body).toMatchObject({
      output: { message: "C B A", count: 2 },
    });
  });

  it("book-trip compensates the bookings made before the failing one, in reverse order", async () => {
    const res = await client.post("/flows/book-trip/runs", { input: { traveller: "Ada", failAt: "car" } });
    expect(res.body).toMatchObject({ status: "compensated", error: { code: "TESSERA_CONFLICT" } });
    const { runId } = res.body as { runId: string };
    const run = (await client.get(`/flows/runs/${runId}`)).body as {
      history: { kind: string; name: string }[];
    };
    expect(run.history.map((h) => `${h.kind} ${h.name}`)).toEqual([
      "compensate book-hotel",
      "compensate book-flight",
      "step book-flight",
      "step book-hotel",
      "step book-car",
    ]);
    const ok = await client.post("/flows/book-trip/runs", { input: { traveller: "Ada" } });
    expect(ok.body).toMatchObject({ status: "completed", output: { traveller: "Ada" } });
  });

  it("a bad input is a 400 naming the field, and creates no run", async () => {
    const before = (await client.get("/flows/runs?flow=book-trip")).body as unknown[];
    const res = await client.post("/flows/book-trip/runs", { input: { traveller: "Ada", failAt: "boat" } });
    expect(res.status).toBe(400);
    const error = (res.body as { error: { details: { issues: { path: string }[] } } }).error;
    expect(error.details.issues.map((i) => i.path)).toEqual(["input.failAt"]);
    expect((await client.get("/flows/runs?flow=book-trip")).body).toHaveLength(before.length);
  });
});
