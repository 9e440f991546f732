import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { entry } from "../../../src/core/entry.js";
import { service } from "../../../src/core/service.js";
import { externalServices, field } from "./external-services.js";
import { type DeclaredFixture, declaredFixture, textAliases } from "./fixture.js";

const ext = externalServices();
const { calls } = ext;

describe("declared flows: mapping data, and the answers of services", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });
  const register = ext.registrar(() => f.client);

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
        // The service's body is logged, never returned (issue 16, item 3).
        message: expect.stringMatching(
          /^service charge answered 503 \(its body is logged under request id .+:\d+\)$/,
        ),
        details: { service: "charge", status: 503, requestId: expect.any(String) },
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

  it("fails a step whose Tesserae entry returns what its output schema refuses (the node checks entries itself)", async () => {
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
