import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryDeclaredFlowStore, memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { entry } from "../../../src/core/entry.js";
import { service } from "../../../src/core/service.js";
import { type DeclaredFixture, declaredFixture, textAliases } from "./fixture.js";

/** External services on one local port: each path answers with what its handler says. */
type Handler = (body: Record<string, unknown>) => {
  status?: number;
  json?: unknown;
  text?: string;
  /** Sent as is with `content-type: application/json` (JSON that JSON.stringify cannot write). */
  raw?: string;
};
const handlers = new Map<string, Handler>();
const calls: { path: string; body: Record<string, unknown>; key: string }[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const body = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
      calls.push({ path: req.url!, body, key: String(req.headers["idempotency-key"]) });
      const h: Handler =
        handlers.get(req.url!) ?? (() => ({ status: 404, json: { message: "no such path" } }));
      const r = h(body);
      if (r.raw !== undefined)
        res.writeHead(r.status ?? 200, { "content-type": "application/json" }).end(r.raw);
      else if (r.text !== undefined)
        res.writeHead(r.status ?? 200, { "content-type": "text/html" }).end(r.text);
      else res.writeHead(r.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(r.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const uuid = /^[0-9a-f-]{36}$/;
const field = (name: string, type = "string") => ({ name, type });

describe("declared flows: the /declared API and runs", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
    handlers.clear();
    calls.length = 0;
  });

  async function register(
    name: string,
    h: Handler,
    inputs = [field("message")],
    outputs = [field("message")],
  ) {
    handlers.set(`/${name}`, h);
    const res = await f.client.post("/declared/services", {
      name,
      address: `${base}/${name}`,
      inputs,
      outputs,
    });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  }

  it("registers services and lists them with Tessera's own entries and their fields", async () => {
    f = await declaredFixture();
    const res = await f.client.post("/declared/services", {
      name: "shout",
      address: `${base}/shout`,
      inputs: [{ name: "message", type: "string", description: "what to shout" }],
      outputs: [field("message")],
      description: "Shouts",
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(uuid),
      name: "shout",
      address: `${base}/shout`,
      inputs: [{ name: "message", type: "string", description: "what to shout" }],
      outputs: [{ name: "message", type: "string" }],
      description: "Shouts",
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
    });
    const list = (await f.client.get("/declared/services")).body as { name: string }[];
    expect(list.map((s) => s.name)).toEqual([
      "shout",
      "upper",
      "reverse",
      "spaces",
      "text.upper",
      "text.reverse",
      "text.spaces",
    ]);
    expect(list.find((s) => s.name === "spaces")).toEqual({
      name: "spaces",
      kind: "entry",
      entry: "text.spaces",
      inputs: [{ name: "message", type: "string" }],
      outputs: [{ name: "count", type: "int" }],
      description: "Counts the spaces of a message",
      schemas: {
        input: {
          type: "object",
          properties: { message: { type: "string" } },
          required: ["message"],
        },
        output: {
          type: "object",
          properties: { count: { type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 } },
          required: ["count"],
          additionalProperties: false,
        },
      },
    });
    expect((await f.client.get("/declared/services/shout")).body).toMatchObject({
      name: "shout",
      kind: "http",
      address: `${base}/shout`,
    });
    const missing = await f.client.get("/declared/services/nope");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: "TESSERA_NOT_FOUND", message: "no service nope" } });
    expect((await f.client.delete("/declared/services/shout")).status).toBe(204);
    expect((await f.client.get("/declared/services/shout")).status).toBe(404);
    const bad = await f.client.post("/declared/services", { name: "x", address: "ftp://x" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: {
        code: "TESSERA_VALIDATION",
        message: "invalid service",
        details: { fields: { address: ["Not a valid URL."] } },
      },
    });
  });

  it("submits, versions, lists, reads and deletes definitions", async () => {
    f = await declaredFixture();
    const v1 = await f.client.post("/declared/flows", {
      name: "shout",
      services: ["upper"],
      inputs: [field("message")],
    });
    expect(v1.status).toBe(201);
    expect(v1.body).toEqual({
      id: expect.stringMatching(uuid),
      name: "shout",
      version: 1,
      createdAt: expect.stringMatching(iso),
    });
    const v2 = await f.client.post("/declared/flows", {
      name: "shout",
      description: "v2",
      services: ["upper", "spaces"],
      inputs: [field("message")],
    });
    expect(v2.body).toMatchObject({ id: (v1.body as { id: string }).id, version: 2, description: "v2" });
    expect((await f.client.get("/declared/flows")).body).toEqual([v2.body]);
    const read = await f.client.get("/declared/flows/shout");
    expect(read.body).toMatchObject({
      name: "shout",
      version: 2,
      versions: [1, 2],
      definition: { name: "shout", steps: [{ id: "upper" }, { id: "spaces" }] },
    });
    const old = await f.client.get("/declared/flows/shout/versions/1");
    expect(old.body).toMatchObject({
      version: 1,
      definition: { steps: [{ id: "upper", type: "call", service: "upper" }] },
    });
    expect((await f.client.get("/declared/flows/shout/versions/3")).status).toBe(404);
    expect((await f.client.delete("/declared/flows/shout")).status).toBe(204);
    expect((await f.client.get("/declared/flows/shout")).status).toBe(404);
    expect((await f.client.get("/declared/flows")).body).toEqual([]);
    expect((await f.client.delete("/declared/flows/shout")).status).toBe(404);
  });

  it("refuses a bad definition with the problems per field, and unknown services with 409", async () => {
    f = await declaredFixture();
    const bad = await f.client.post("/declared/flows", {
      name: "x",
      inputs: [field("n", "int")],
      services: ["upper"],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: {
        code: "TESSERA_VALIDATION",
        message: "invalid definition",
        details: {
          fields: { "services.0.input.message": ['No flow input or earlier step provides "message".'] },
        },
      },
    });
    const unknown = await f.client.post("/declared/flows", {
      name: "x",
      inputs: [field("message")],
      services: ["upper", "ghost"],
    });
    expect(unknown.status).toBe(409);
    expect(unknown.body).toMatchObject({
      error: {
        code: "TESSERA_CONFLICT",
        message: "unknown services: ghost",
        details: { services: ["ghost"] },
      },
    });
  });

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
      version: 1,
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
        message: "service broken answered 500",
        details: { service: "broken", status: 500, body: { message: "boom" } },
      },
    });
    const b = await f.client.post("/declared/flows/b/events", { data: { message: "x" } });
    expect(b.body).toMatchObject({
      status: "failed",
      error: {
        code: "TESSERA_UNAVAILABLE",
        message: "service html answered 200 with a body that is not JSON",
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
      expect(res.body).toMatchObject({ status: "completed", version: 1, output: { message: "HI" } });
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
      callbackUrl: `${base}/hook`,
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

  it("maps a step's input from a data path and from a constant {value}, and puts the result under `into`", async () => {
    f = await declaredFixture();
    await register(
      "label",
      (b) => ({ json: { label: `${String(b.title)} x${String(b.copies)}`, size: "small" } }),
      [field("title"), field("copies", "int")],
      [field("label")],
    );
    const def = await f.client.post("/declared/flows", {
      name: "mapped",
      inputs: [field("order", "object")],
      steps: [
        {
          id: "tag",
          service: "label",
          input: { title: "order.item.title", copies: { value: 3 } },
          into: "tagged",
        },
      ],
    });
    expect(def.status).toBe(201);
    const run = await f.client.post("/declared/flows/mapped/events", {
      data: { order: { id: 7, item: { title: "Dune" } } },
    });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ status: "completed" });
    // The whole answer under "tagged" (undeclared fields too), nothing merged at the top.
    expect((run.body as { output: unknown }).output).toEqual({
      order: { id: 7, item: { title: "Dune" } },
      tagged: { label: "Dune x3", size: "small" },
    });
    expect(calls.map((c) => [c.path, c.body])).toEqual([["/label", { title: "Dune", copies: 3 }]]);
  });

  it("goes on at catch.next when a call fails, skipping the steps between, with the error under catch.as", async () => {
    f = await declaredFixture();
    await register("charge", () => ({ status: 503, json: { message: "down" } }), [field("message")], []);
    await register(
      "ship",
      () => ({ json: { shipped: true } }),
      [field("message")],
      [field("shipped", "boolean")],
    );
    await register(
      "apologise",
      (b) => ({ json: { apology: `sorry: ${String(b.message)}` } }),
      [field("message")],
      [field("apology")],
    );
    const def = await f.client.post("/declared/flows", {
      name: "checkout",
      inputs: [field("message")],
      steps: [
        { id: "charge", service: "charge", catch: { next: "sorry", as: "problem" } },
        { id: "ship", service: "ship", next: "end" },
        { id: "sorry", service: "apologise" },
      ],
    });
    expect(def.status).toBe(201);
    const run = await f.client.post("/declared/flows/checkout/events", { data: { message: "x" } });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ status: "completed" });
    expect((run.body as { output: unknown }).output).toEqual({
      message: "x",
      problem: {
        code: "TESSERA_UNAVAILABLE",
        message: "service charge answered 503",
        details: { service: "charge", status: 503, body: { message: "down" } },
      },
      apology: "sorry: x",
    });
    expect(calls.map((c) => c.path)).toEqual(["/charge", "/apologise"]);
  });

  it("ends a signal wait at its timeout with the outcome `timeout`, which a choice branches on", async () => {
    f = await declaredFixture();
    await register(
      "remind",
      (b) => ({ json: { reminder: `still waiting: ${String(b.message)}` } }),
      [field("message")],
      [field("reminder")],
    );
    const def = await f.client.post("/declared/flows", {
      name: "patient",
      inputs: [field("message")],
      steps: [
        { id: "approval", type: "wait", signal: "approved", timeout: "150ms", fields: [field("by")] },
        {
          id: "late",
          type: "choice",
          choices: [{ when: { outcome: "approval", is: "timeout" }, next: "remind" }],
          default: "end",
        },
        { id: "remind", service: "remind" },
      ],
    });
    expect(def.status).toBe(201);
    const timedOut = await f.client.post("/declared/flows/patient/events", { data: { message: "hi" } });
    expect(timedOut.status).toBe(200);
    expect(timedOut.body).toMatchObject({ status: "completed" });
    expect((timedOut.body as { output: unknown }).output).toEqual({
      message: "hi",
      reminder: "still waiting: hi",
    });
    expect(calls.map((c) => [c.path, c.body])).toEqual([["/remind", { message: "hi" }]]);
    calls.length = 0;
    const started = await f.client.post("/declared/flows/patient/events", {
      data: { message: "hi" },
      mode: "async",
    });
    const id = (started.body as { eventId: string }).eventId;
    const sent = await f.client.post(`/flows/runs/${id}/signals/approved`, { payload: { by: "ops" } });
    expect(sent.status).toBe(202);
    expect(await f.engine.awaitRun(id)).toMatchObject({
      status: "completed",
      output: { message: "hi", by: "ops" },
    });
    expect(calls).toEqual([]);
  });

  it("fails a step whose answer does not fit the service's declared outputs, naming the fields; undeclared fields are merged", async () => {
    f = await declaredFixture();
    const outputs = [
      field("count", "int"),
      field("total", "number"),
      { name: "note", type: "string", required: false },
    ];
    await register("counter", () => ({ json: { count: "x", note: "extra" } }), [field("message")], outputs);
    await register("list", () => ({ json: [1, 2] }), [field("message")], outputs);
    await register("silent", () => ({ status: 204 }), [field("message")], outputs);
    await register(
      "good",
      () => ({ json: { count: 2, total: 1, colour: "red" } }),
      [field("message")],
      outputs,
    );
    for (const name of ["counter", "list", "silent", "good"])
      expect(
        (await f.client.post("/declared/flows", { name, inputs: [field("message")], services: [name] }))
          .status,
      ).toBe(201);
    const run = async (name: string) => {
      const res = await f.client.post(`/declared/flows/${name}/events`, { data: { message: "x" } });
      expect(res.status).toBe(200);
      return res.body as { status: string; output?: unknown; error?: unknown };
    };
    const counter = await run("counter");
    expect(counter.status).toBe("failed");
    expect(counter.error).toEqual({
      code: "TESSERA_UNAVAILABLE",
      message:
        "service counter answered outputs that do not fit its declaration: count: Not a valid int: got a string.; total: Missing data for required field.",
      details: {
        service: "counter",
        step: "counter",
        fields: { count: ["Not a valid int: got a string."], total: ["Missing data for required field."] },
      },
    });
    const list = await run("list");
    expect(list.status).toBe("failed");
    expect(list.error).toEqual({
      code: "TESSERA_UNAVAILABLE",
      message:
        "service list answered a JSON array, not an object with its declared outputs (count, total, note)",
      details: { service: "list", step: "list" },
    });
    const silent = await run("silent");
    expect(silent.status).toBe("failed");
    expect(silent.error).toEqual({
      code: "TESSERA_UNAVAILABLE",
      message:
        "service silent answered outputs that do not fit its declaration: count: Missing data for required field.; total: Missing data for required field.",
      details: {
        service: "silent",
        step: "silent",
        fields: { count: ["Missing data for required field."], total: ["Missing data for required field."] },
      },
    });
    // An int fits a number; an optional output may be absent; "colour", not declared, is merged (as machinery does).
    const good = await run("good");
    expect(good.status).toBe("completed");
    expect(good.output).toEqual({ message: "x", count: 2, total: 1, colour: "red" });
    expect(calls.map((c) => c.path)).toEqual(["/counter", "/list", "/silent", "/good"]);
  });

  it("puts an answer that does not fit its outputs through the step's retry and catch", async () => {
    f = await declaredFixture();
    let n = 0;
    await register(
      "shaky",
      () => (++n < 2 ? { json: { count: "many" } } : { json: { count: 4 } }),
      [field("message")],
      [field("count", "int")],
    );
    await register("liar", () => ({ json: { count: "many" } }), [field("message")], [field("count", "int")]);
    await f.client.post("/declared/flows", {
      name: "retried",
      inputs: [field("message")],
      steps: [{ service: "shaky", retry: { attempts: 2, delay: "10ms" } }],
    });
    await f.client.post("/declared/flows", {
      name: "caught",
      inputs: [field("message")],
      steps: [
        { id: "liar", service: "liar", catch: { as: "problem" } },
        {
          id: "how",
          type: "choice",
          choices: [{ when: { outcome: "liar", is: "server-error" }, next: "end" }],
          default: "never",
        },
        { id: "never", type: "fail", message: "not a server error" },
      ],
    });
    const retried = await f.client.post("/declared/flows/retried/events", { data: { message: "x" } });
    expect(retried.body).toMatchObject({ status: "completed" });
    expect((retried.body as { output: unknown }).output).toEqual({ message: "x", count: 4 });
    expect(calls.map((c) => c.path)).toEqual(["/shaky", "/shaky"]);
    const caught = await f.client.post("/declared/flows/caught/events", { data: { message: "x" } });
    expect(caught.body).toMatchObject({ status: "completed" });
    expect((caught.body as { output: unknown }).output).toEqual({
      message: "x",
      problem: {
        code: "TESSERA_UNAVAILABLE",
        message:
          "service liar answered outputs that do not fit its declaration: count: Not a valid int: got a string.",
        details: { service: "liar", step: "liar", fields: { count: ["Not a valid int: got a string."] } },
      },
    });
  });

  it("fails a step whose Tessera entry returns what its output schema refuses (the node checks entries itself)", async () => {
    const liar = service("liar", {
      entries: {
        count: entry(
          { input: z.object({ message: z.string() }), output: z.object({ count: z.number().int() }) },
          () => ({ count: "x" }) as never,
        ),
      },
    });
    f = await declaredFixture({ services: [liar], aliases: { ...textAliases, liar: "liar.count" } });
    await f.client.post("/declared/flows", { name: "lying", inputs: [field("message")], services: ["liar"] });
    const res = await f.client.post("/declared/flows/lying/events", { data: { message: "x" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "failed" });
    // The dispatcher's error: the details (which field) go to the log, never to the caller.
    expect((res.body as { error: unknown }).error).toEqual({
      code: "TESSERA_INTERNAL",
      message: "internal error",
    });
  });

  it("fails a step whose service answers JSON with a __proto__ key, and the prototype stays untouched", async () => {
    f = await declaredFixture();
    await register("evil", () => ({ raw: '{"message":"hi","__proto__":{"polluted":true}}' }));
    await register("sly", () => ({ raw: '{"message":"hi","constructor":{"prototype":{"polluted":true}}}' }));
    await f.client.post("/declared/flows", { name: "evil", inputs: [field("message")], services: ["evil"] });
    await f.client.post("/declared/flows", { name: "sly", inputs: [field("message")], services: ["sly"] });
    const evil = await f.client.post("/declared/flows/evil/events", { data: { message: "x" } });
    expect(evil.body).toMatchObject({ status: "failed" });
    expect((evil.body as { error: unknown }).error).toEqual({
      code: "TESSERA_UNAVAILABLE",
      message: "service evil answered 200 with JSON that holds a forbidden key",
      details: { service: "evil", status: 200, reason: 'JSON body contains a forbidden "__proto__" key' },
    });
    const sly = await f.client.post("/declared/flows/sly/events", { data: { message: "x" } });
    expect((sly.body as { error: unknown }).error).toEqual({
      code: "TESSERA_UNAVAILABLE",
      message: "service sly answered 200 with JSON that holds a forbidden key",
      details: {
        service: "sly",
        status: 200,
        reason: 'JSON body contains a forbidden "constructor.prototype" key',
      },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
