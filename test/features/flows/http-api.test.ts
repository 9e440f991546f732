import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { flow, signal } from "../../../src/features/flows/index.js";
import { createGateway } from "../../../src/index.js";
import { testClient } from "../../../src/testing/index.js";
import { type Harness, harness, textService } from "./fixtures.js";

const text = textService();
const Message = z.object({ message: z.string() });
const processText = flow("process-text", { input: Message }, async (ctx, input) => {
  const upper = await ctx.call(text.entries.upper, input);
  return ctx.call(text.entries.reverse, upper);
});
const approval = signal("approval", z.object({ approved: z.boolean() }));
const approve = flow("approve", { signals: [approval] }, async (ctx) => {
  const a = await ctx.waitFor(approval);
  return { approved: a.approved };
});

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});

async function client(options: Parameters<typeof harness>[1] = {}) {
  const h = await harness([processText, approve], { inlineSleepMs: 0, ...options });
  open.push(h);
  return { h, http: testClient(createGateway(h.node)) };
}

describe("flows HTTP API", () => {
  it("starts a run synchronously and answers with its output", async () => {
    const { http } = await client();
    const res = await http.post("/flows/process-text/runs", { input: { message: "hello world" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "completed", output: { message: "DLROW OLLEH" } });
    expect(res.headers.location).toMatch(/^\/flows\/runs\//);
  });

  it("starts a run asynchronously: 202 with the run id, a status and a Location", async () => {
    const { http } = await client();
    const res = await http.post("/flows/process-text/runs", { input: { message: "hi" }, mode: "async" });
    expect(res.status).toBe(202);
    const body = res.body as { runId: string; acceptedAt: string; status: string };
    expect(body.status).toMatch(/running|queued|completed/);
    expect(new Date(body.acceptedAt).getTime()).toBeGreaterThan(0);
    expect(res.headers.location).toBe(`/flows/runs/${body.runId}`);
    await expect
      .poll(async () => ((await http.get(`/flows/runs/${body.runId}`)).body as { status: string }).status)
      .toBe("completed");
    const run = (await http.get(`/flows/runs/${body.runId}`)).body as { output: unknown; history: unknown[] };
    expect(run.output).toEqual({ message: "IH" });
    expect(run.history).toHaveLength(2);
  });

  it("answers a sync start 202 when the run outlasts waitMs; the run completes later", async () => {
    // The engine's own bound is long: only the request's waitMs can end the wait in time.
    const { http } = await client({ syncWaitMs: 60_000 });
    // The run waits for a signal nobody sends yet: it cannot end within the bound.
    const res = await http.post("/flows/approve/runs", { waitMs: 300 });
    expect(res.status).toBe(202);
    const body = res.body as { runId: string; acceptedAt: string; status: string };
    expect(Object.keys(body).sort()).toEqual(["acceptedAt", "runId", "status"]);
    // The status of the run when the wait ended, not the one it was accepted with.
    expect(body.status).toBe("waiting");
    expect(Number.isNaN(Date.parse(body.acceptedAt))).toBe(false);
    expect(res.headers.location).toBe(`/flows/runs/${body.runId}`);
    const signalled = await http.post(`/flows/runs/${body.runId}/signals/approval`, {
      payload: { approved: true },
    });
    expect(signalled.status).toBe(202);
    await expect
      .poll(async () => (await http.get(res.headers.location!)).body, { timeout: 5000 })
      .toMatchObject({ runId: body.runId, status: "completed", output: { approved: true } });
  });

  it("bounds a sync start by the engine's syncWaitMs when the request gives no waitMs", async () => {
    const { http } = await client({ syncWaitMs: 300 });
    const res = await http.post("/flows/approve/runs", {});
    expect(res.status).toBe(202);
    const body = res.body as { runId: string; status: string };
    expect(body.status).toBe("waiting");
    expect(res.headers.location).toBe(`/flows/runs/${body.runId}`);
    // A run that ends within the bound is still answered 200 with its output.
    const done = await http.post("/flows/process-text/runs", { input: { message: "ok" } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: "completed", output: { message: "KO" } });
  });

  it("refuses a bad input with 400 naming the field, and creates no run", async () => {
    const { h, http } = await client();
    const res = await http.post("/flows/process-text/runs", { input: { message: 5 } });
    expect(res.status).toBe(400);
    const err = (res.body as { error: { code: string; details: { issues: { path: string }[] } } }).error;
    expect(err.code).toBe("TESSERA_VALIDATION");
    expect(err.details.issues.map((i) => i.path)).toEqual(["input.message"]);
    expect(await h.engine.store.listRuns({})).toEqual([]);
    expect((await http.post("/flows/process-text/runs", { input: {}, mode: "later" })).status).toBe(400);
    expect((await http.post("/flows/nope/runs", { input: {} })).status).toBe(404);
  });

  it("returns the same run for the same idempotency key", async () => {
    const { http } = await client();
    const body = { input: { message: "x" }, mode: "async", idempotencyKey: "order-42" };
    const a = (await http.post("/flows/process-text/runs", body)).body as { runId: string };
    const b = (await http.post("/flows/process-text/runs", body)).body as {
      runId: string;
      existing: boolean;
    };
    expect(b.runId).toBe(a.runId);
    expect(b.existing).toBe(true);
  });

  it("signals, cancels and lists runs", async () => {
    const { http } = await client();
    const started = (await http.post("/flows/approve/runs", { mode: "async" })).body as { runId: string };
    await expect
      .poll(async () => ((await http.get(`/flows/runs/${started.runId}`)).body as { status: string }).status)
      .toBe("waiting");
    const bad = await http.post(`/flows/runs/${started.runId}/signals/approval`, {
      payload: { approved: "y" },
    });
    expect(bad.status).toBe(400);
    const ok = await http.post(`/flows/runs/${started.runId}/signals/approval`, {
      payload: { approved: true },
    });
    expect(ok.status).toBe(202);
    await expect
      .poll(
        async () => ((await http.get(`/flows/runs/${started.runId}`)).body as { output?: unknown }).output,
      )
      .toEqual({ approved: true });
    const other = (await http.post("/flows/approve/runs", { mode: "async" })).body as { runId: string };
    expect((await http.post(`/flows/runs/${other.runId}/cancel`)).status).toBe(200);
    await expect
      .poll(async () => ((await http.get(`/flows/runs/${other.runId}`)).body as { status: string }).status)
      .toBe("cancelled");
    // An ended run takes no signal, whatever its payload: 409 before the payload is read.
    expect((await http.post(`/flows/runs/${other.runId}/signals/approval`, { payload: {} })).status).toBe(
      409,
    );
    expect(
      (await http.post(`/flows/runs/${started.runId}/signals/approval`, { payload: { approved: true } }))
        .status,
    ).toBe(409);
    const list = (await http.get("/flows/runs?flow=approve")).body as { runId: string }[];
    expect(list.map((r) => r.runId).sort()).toEqual([started.runId, other.runId].sort());
    expect((await http.get("/flows/runs/nope")).status).toBe(404);
    const flows = (await http.get("/flows")).body as { name: string }[];
    expect(flows.map((f) => f.name)).toEqual(["process-text", "approve"]);
  });

  it("notifies the callback URL when the run ends", async () => {
    const received: unknown[] = [];
    const srv = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    try {
      const { port } = srv.address() as { port: number };
      const { http } = await client();
      const res = await http.post("/flows/process-text/runs", {
        input: { message: "cb" },
        mode: "async",
        callbackUrl: `http://127.0.0.1:${port}/done`,
      });
      const { runId } = res.body as { runId: string };
      await expect
        .poll(() => received)
        .toEqual([{ runId, flow: "process-text", status: "completed", output: { message: "BC" } }]);
    } finally {
      srv.close();
    }
  });

  it("is described in the OpenAPI document", async () => {
    const { http } = await client();
    const doc = (await http.get("/openapi.json")).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/flows/{name}/runs",
        "/flows/runs/{runId}",
        "/flows/runs/{runId}/signals/{signal}",
      ]),
    );
  });
});
