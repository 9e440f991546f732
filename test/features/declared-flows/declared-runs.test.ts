import { afterEach, describe, expect, it } from "vitest";
import { memoryDeclaredFlowStore, memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { externalServices, field, iso, uuid } from "./external-services.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

const ext = externalServices();
const { handlers, calls } = ext;

describe("declared flows: runs", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });
  const register = ext.registrar(() => f.client);

  it("runs sync (the output) and async (the event id, then its status); the data is checked against the inputs", async () => {
    f = await declaredFixture();
    await f.client.post("/declared/flows", {
      name: "text",
      services: ["upper", "reverse", "spaces"],
      inputs: [field("message")],
    });
    const sync = await f.client.post("/declared/flows/text/events", { data: { message: "ab c" } });
    expect(sync.status).toBe(200);
    expect(sync.body).toEqual({
      eventId: expect.stringMatching(uuid),
      flow: "text",
      version: "1",
      status: "completed",
      acceptedAt: expect.stringMatching(iso),
      updatedAt: expect.stringMatching(iso),
      output: { message: "C BA", count: 1 },
    });
    const async_ = await f.client.post("/declared/flows/text/events", {
      data: { message: "x y" },
      mode: "async",
    });
    expect(async_.status).toBe(202);
    expect(async_.body).toEqual({
      eventId: expect.stringMatching(uuid),
      acceptedAt: expect.stringMatching(iso),
      status: "running",
    });
    const id = (async_.body as { eventId: string }).eventId;
    expect(async_.headers.location).toBe(`/declared/events/${id}`);
    await f.engine.awaitRun(id);
    expect((await f.client.get(`/declared/events/${id}`)).body).toMatchObject({
      eventId: id,
      status: "completed",
      output: { message: "Y X", count: 1 },
    });
    expect((await f.client.get("/declared/events/nope")).status).toBe(404);
    const bad = await f.client.post("/declared/flows/text/events", { data: { message: 3, extra: true } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: {
        code: "TESSERA_VALIDATION",
        message: "invalid event data: message: Not a valid string: got an int.",
        details: { fields: { message: ["Not a valid string: got an int."] } },
      },
    });
    expect((await f.client.post("/declared/flows/ghost/events", { data: {} })).status).toBe(404);
  });

  it("branches on a field, runs parallel branches and merges their results", async () => {
    f = await declaredFixture();
    const res = await f.client.post("/declared/flows", {
      name: "branchy",
      inputs: [field("message")],
      steps: [
        { id: "count", service: "spaces" },
        {
          id: "many",
          type: "choice",
          choices: [{ when: { field: "count", gte: 2 }, next: "both" }],
          default: "quiet",
        },
        { id: "quiet", service: "reverse", next: "end" },
        {
          id: "both",
          type: "parallel",
          branches: [
            [{ id: "loud", service: "upper", output: { loud: "message" } }],
            [{ id: "back", service: "reverse", output: { back: "message" } }],
          ],
        },
      ],
    });
    expect(res.status).toBe(201);
    const many = await f.client.post("/declared/flows/branchy/events", { data: { message: "a b c" } });
    expect((many.body as { output: unknown }).output).toEqual({
      message: "a b c",
      count: 2,
      loud: "A B C",
      back: "c b a",
    });
    const few = await f.client.post("/declared/flows/branchy/events", { data: { message: "ab" } });
    expect((few.body as { output: unknown }).output).toEqual({ message: "ba", count: 0 });
  });

  it("retries a step on a server error, then merges its result", async () => {
    f = await declaredFixture();
    let n = 0;
    await register("flaky", () =>
      ++n < 3 ? { status: 503, json: { message: "busy" } } : { json: { message: "ok" } },
    );
    await f.client.post("/declared/flows", {
      name: "retrying",
      inputs: [field("message")],
      steps: [{ service: "flaky", retry: { attempts: 3, delay: "10ms" } }],
    });
    const res = await f.client.post("/declared/flows/retrying/events", { data: { message: "hi" } });
    expect(res.body).toMatchObject({ status: "completed", output: { message: "ok" } });
    expect(calls.map((c) => c.key)).toEqual([
      `${(res.body as { eventId: string }).eventId}:2`,
      expect.any(String),
      expect.any(String),
    ]);
    expect(new Set(calls.map((c) => c.key)).size).toBe(1);
    // Beside the key, the run's fencing token (issue 19): one activation, token 1.
    expect(calls.map((c) => c.token)).toEqual(["1", "1", "1"]);
  });

  it("fails a step whose service answers an error status or a body that is not JSON (never a silent merge)", async () => {
    f = await declaredFixture();
    await register("broken", () => ({ status: 500, json: { message: "boom" } }));
    await register("html", () => ({ text: "<html>oops</html>" }));
    await f.client.post("/declared/flows", { name: "a", inputs: [field("message")], services: ["broken"] });
    await f.client.post("/declared/flows", { name: "b", inputs: [field("message")], services: ["html"] });
    const a = await f.client.post("/declared/flows/a/events", { data: { message: "x" } });
    expect(a.body).toMatchObject({
      status: "failed",
      error: {
        code: "TESSERA_UNAVAILABLE",
        // The service's body is logged under the request id, never returned (issue 16, item 3).
        message: `service broken answered 500 (its body is logged under request id ${(a.body as { eventId: string }).eventId}:2)`,
        details: {
          service: "broken",
          status: 500,
          requestId: `${(a.body as { eventId: string }).eventId}:2`,
        },
      },
    });
    const b = await f.client.post("/declared/flows/b/events", { data: { message: "x" } });
    expect(b.body).toMatchObject({
      status: "failed",
      error: {
        code: "TESSERA_UNAVAILABLE",
        message: expect.stringMatching(
          /^service html answered 200 with a body that is not JSON \(logged under request id .+\)$/,
        ),
      },
    });
  });

  it("catches a failed call, branches on its outcome, and compensates completed calls when the flow fails", async () => {
    f = await declaredFixture();
    await register(
      "reserve",
      () => ({ json: { reservation: "r-1" } }),
      [field("message")],
      [field("reservation")],
    );
    await register("release", () => ({ json: {} }), [field("reservation")], []);
    await register("charge", () => ({ status: 402, json: { message: "no money" } }), [field("message")], []);
    const res = await f.client.post("/declared/flows", {
      name: "order",
      inputs: [field("message")],
      steps: [
        { id: "reserve", service: "reserve", compensate: { service: "release" } },
        { id: "charge", service: "charge", catch: { as: "problem" } },
        {
          id: "paid",
          type: "choice",
          choices: [{ when: { outcome: "charge", is: "client-error" }, next: "refuse" }],
          default: "end",
        },
        { id: "refuse", type: "fail", message: "payment refused" },
      ],
    });
    expect(res.status).toBe(201);
    const run = await f.client.post("/declared/flows/order/events", { data: { message: "x" } });
    expect(run.body).toMatchObject({
      status: "compensated",
      error: { code: "TESSERA_CONFLICT", message: "payment refused" },
    });
    expect(calls.map((c) => [c.path, c.body])).toEqual([
      ["/reserve", { message: "x" }],
      ["/charge", { message: "x" }],
      ["/release", { reservation: "r-1" }],
    ]);
  });

  it("waits for a signal; a run keeps the version it started with", async () => {
    f = await declaredFixture();
    const def = (services: string[]) => ({
      name: "approve",
      inputs: [field("message")],
      steps: [
        { id: "ok", type: "wait", signal: "approval", fields: [{ name: "by", type: "string" }] },
        ...services.map((s) => ({ service: s })),
      ],
    });
    await f.client.post("/declared/flows", def(["upper"]));
    const first = await f.client.post("/declared/flows/approve/events", {
      data: { message: "hi" },
      mode: "async",
    });
    const id = (first.body as { eventId: string }).eventId;
    await f.client.post("/declared/flows", def(["reverse"]));
    const bad = await f.client.post(`/flows/runs/${id}/signals/approval`, { payload: { by: 5 } });
    expect(bad.status).toBe(400);
    expect(
      (await f.client.post(`/flows/runs/${id}/signals/approval`, { payload: { by: "ops" } })).status,
    ).toBe(202);
    const end = await f.engine.awaitRun(id);
    expect(end).toMatchObject({ status: "completed", version: "1", output: { message: "HI", by: "ops" } });
    const second = await f.client.post("/declared/flows/approve/events", {
      data: { message: "hi" },
      mode: "async",
    });
    const id2 = (second.body as { eventId: string }).eventId;
    await f.client.post(`/flows/runs/${id2}/signals/approval`, { payload: { by: "me" } });
    expect(await f.engine.awaitRun(id2)).toMatchObject({
      status: "completed",
      version: "2",
      output: { message: "ih", by: "me" },
    });
  });

  it("refuses new runs of a deleted flow on every node; a run in flight finishes", async () => {
    const stores = { flowStore: memoryFlowStore(), store: memoryDeclaredFlowStore() };
    f = await declaredFixture(stores);
    const other = await declaredFixture(stores);
    try {
      await f.client.post("/declared/flows", {
        name: "approve",
        inputs: [field("message")],
        steps: [{ id: "ok", type: "wait", signal: "approval" }, { service: "upper" }],
      });
      const started = await f.client.post("/declared/flows/approve/events", {
        data: { message: "hi" },
        mode: "async",
      });
      const id = (started.body as { eventId: string }).eventId;
      await other.declared.refresh();
      expect((await f.client.delete("/declared/flows/approve")).status).toBe(204);
      await other.declared.refresh();
      for (const node of [f, other]) {
        expect(
          (await node.client.post("/declared/flows/approve/events", { data: { message: "x" } })).status,
        ).toBe(404);
        const direct = await node.client.post("/flows/approve/runs", { input: { message: "x" } });
        expect(direct.status).toBe(400);
        expect(JSON.stringify(direct.body)).toContain("the declared flow approve was deleted");
      }
      expect((await f.client.post(`/flows/runs/${id}/signals/approval`, { payload: {} })).status).toBe(202);
      expect(await f.engine.awaitRun(id)).toMatchObject({ status: "completed", output: { message: "HI" } });
    } finally {
      await other.stop();
    }
  });

  it("runs a flow submitted through another node that shares the store", async () => {
    const stores = { flowStore: memoryFlowStore(), store: memoryDeclaredFlowStore() };
    f = await declaredFixture(stores);
    const other = await declaredFixture(stores);
    try {
      await other.client.post("/declared/flows", {
        name: "elsewhere",
        services: ["upper"],
        inputs: [field("message")],
      });
      const res = await f.client.post("/declared/flows/elsewhere/events", { data: { message: "hi" } });
      expect(res.body).toMatchObject({ status: "completed", version: "1", output: { message: "HI" } });
    } finally {
      await other.stop();
    }
  });

  it("posts the end of an async run to its webhook", async () => {
    f = await declaredFixture();
    handlers.set("/hook", () => ({ json: {} }));
    await f.client.post("/declared/flows", {
      name: "hooked",
      services: ["upper"],
      inputs: [field("message")],
    });
    const res = await f.client.post("/declared/flows/hooked/events", {
      data: { message: "hey" },
      mode: "async",
      callbackUrl: `${ext.base}/hook`,
    });
    const id = (res.body as { eventId: string }).eventId;
    for (let i = 0; i < 100 && !calls.some((c) => c.path === "/hook"); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(calls.find((c) => c.path === "/hook")?.body).toMatchObject({
      runId: id,
      flow: "hooked",
      status: "completed",
      output: { message: "HEY" },
    });
  });
});
