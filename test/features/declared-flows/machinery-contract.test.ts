import { afterEach, describe, expect, it } from "vitest";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const text = (name: string, outputs = [{ name: "message", type: "string" }]) => ({
  name,
  address: `http://127.0.0.1:1/${name}`,
  inputs: [{ name: "message", type: "string", description: "the text" }],
  outputs,
});
const workflow = {
  name: "upper_reverse_spaces",
  services: ["upper", "reverse", "spaces"],
  inputs: [{ name: "message", type: "string" }],
  outputs: [
    { name: "message", type: "string" },
    { name: "count", type: "int" },
  ],
};

describe("the machinery contract", () => {
  let f: DeclaredFixture;
  afterEach(() => f?.stop());

  it("GET /healthcheck answers 204 without a body", async () => {
    f = await declaredFixture();
    const res = await f.client.get("/healthcheck");
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
  });

  it("POST /s answers 201 {service_id}; re-posting the name updates it under the same id", async () => {
    f = await declaredFixture();
    const first = await f.client.post("/s", text("shout"));
    expect(first.status).toBe(201);
    expect(Object.keys(first.body as object)).toEqual(["service_id"]);
    const id = (first.body as { service_id: string }).service_id;
    expect(id).toMatch(uuid);
    const again = await f.client.post("/s", { ...text("shout"), address: "http://127.0.0.1:2/shout" });
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ service_id: id });
    const other = await f.client.post("/s", text("whisper"));
    expect((other.body as { service_id: string }).service_id).not.toBe(id);
    expect(await f.declared.store.getService("shout")).toMatchObject({
      id,
      address: "http://127.0.0.1:2/shout",
    });
  });

  it("POST /s with an invalid service answers 409 with the problems per field", async () => {
    f = await declaredFixture();
    const res = await f.client.post("/s", {
      name: 5,
      inputs: "x",
      outputs: [{ name: "a", type: "float" }],
      extra: 1,
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      extra: ["Unknown field."],
      name: ["Not a valid string."],
      address: ["Missing data for required field."],
      inputs: ["Not a valid list."],
      "outputs.0.type": ["Must be one of: string, int, number, boolean, object, array."],
    });
  });

  it("POST /w answers 201 {workflow_id}, and POST /e/<id> 201 with the merged outputs", async () => {
    f = await declaredFixture();
    const w = await f.client.post("/w", workflow);
    expect(w.status).toBe(201);
    expect(Object.keys(w.body as object)).toEqual(["workflow_id"]);
    const id = (w.body as { workflow_id: string }).workflow_id;
    expect(id).toMatch(uuid);
    const e = await f.client.post(`/e/${id}`, { message: "the sun will soon rise again !" });
    expect(e.status).toBe(201);
    expect(e.body).toEqual({ message: "! NIAGA ESIR NOOS LLIW NUS EHT", count: 6 });
  });

  it("POST /e/<id> of a one-service workflow gives that service's output", async () => {
    f = await declaredFixture();
    const w = await f.client.post("/w", {
      name: "shout",
      services: ["upper"],
      inputs: [{ name: "message", type: "string" }],
      outputs: [],
    });
    const e = await f.client.post(`/e/${(w.body as { workflow_id: string }).workflow_id}`, {
      message: "the sun will soon rise again !",
    });
    expect(e.status).toBe(201);
    expect(e.body).toEqual({ message: "THE SUN WILL SOON RISE AGAIN !" });
  });

  it("POST /w with the name of an existing workflow adds a version under the same id", async () => {
    f = await declaredFixture();
    const a = await f.client.post("/w", workflow);
    const b = await f.client.post("/w", { ...workflow, services: ["upper"], outputs: [] });
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect((await f.declared.versions(workflow.name)).map((v) => v.version)).toEqual([1, 2]);
  });

  it("POST /w naming a service that does not exist answers 409 {message}", async () => {
    f = await declaredFixture();
    const res = await f.client.post("/w", { ...workflow, services: ["upper", "nope"] });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ message: "service nope does not exist" });
  });

  it("POST /w with an invalid definition answers 409 with a per-field error map", async () => {
    f = await declaredFixture();
    const res = await f.client.post("/w", { name: "x", services: "upper", inputs: [], outputs: [] });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ services: ["Not a valid list."] });
    const missing = await f.client.post("/w", { services: ["upper"] });
    expect(missing.status).toBe(409);
    expect(missing.body).toEqual({ name: ["Missing data for required field."] });
  });

  // A flow that lacks a service's input is accepted with a warning, as machinery accepts it: see
  // machinery-leniency.test.ts.

  it("POST /e/<unknown id> answers 404 {message}", async () => {
    f = await declaredFixture();
    const res = await f.client.post("/e/0f0e0d0c-0000-4000-8000-000000000000", { message: "hi" });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: "workflow 0f0e0d0c-0000-4000-8000-000000000000 does not exist" });
  });

  it("POST /e/<id> with data that misses or mistypes an input answers 400 naming the fields", async () => {
    f = await declaredFixture();
    const id = ((await f.client.post("/w", workflow)).body as { workflow_id: string }).workflow_id;
    const missing = await f.client.post(`/e/${id}`, { other: 1 });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      message: "invalid event data: message: Missing data for required field.",
      errors: { message: ["Missing data for required field."] },
    });
    const typed = await f.client.post(`/e/${id}`, { message: 5 });
    expect(typed.status).toBe(400);
    expect(typed.body).toEqual({
      message: "invalid event data: message: Not a valid string: got an int.",
      errors: { message: ["Not a valid string: got an int."] },
    });
  });

  it.each(["/s", "/w", "/e/some-id"])(
    "POST %s with a body that is not JSON answers 415 {message}",
    async (path) => {
      f = await declaredFixture();
      const plain = await f.client.post(path, undefined, {
        raw: "hello",
        headers: { "content-type": "text/plain" },
      });
      expect(plain.status).toBe(415);
      expect(plain.body).toEqual({ message: "json is expected" });
      const broken = await f.client.post(path, undefined, {
        raw: "{nope",
        headers: { "content-type": "application/json" },
      });
      expect(broken.status).toBe(415);
      expect(broken.body).toEqual({ message: "json is expected" });
    },
  );

  it.each(["/s", "/w", "/e/some-id"])("POST %s with a null body answers 400 {message}", async (path) => {
    f = await declaredFixture();
    const res = await f.client.post(path, undefined, {
      raw: "null",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: "payload can not be empty" });
    const empty = await f.client.post(path, undefined, {
      raw: "",
      headers: { "content-type": "application/json" },
    });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ message: "payload can not be empty" });
  });

  it("POST /e/<id> answers 202 {event_id, status} when the run is still going at the wait bound", async () => {
    f = await declaredFixture({ syncWaitMs: 300 });
    const w = await f.client.post("/w", {
      name: "held",
      inputs: [{ name: "message", type: "string" }],
      steps: [{ id: "hold", type: "wait", signal: "go" }, { service: "upper" }],
    });
    expect(w.status).toBe(201);
    const e = await f.client.post(`/e/${(w.body as { workflow_id: string }).workflow_id}`, { message: "hi" });
    expect(e.status).toBe(202);
    const runs = await f.engine.store.listRuns({ flow: "held" });
    expect(runs).toHaveLength(1);
    const eventId = runs[0]!.id;
    expect(e.body).toEqual({ event_id: eventId, status: "waiting" });
    // The run goes on: its result is there once the signal comes.
    expect((await f.client.post(`/flows/runs/${eventId}/signals/go`, { payload: {} })).status).toBe(202);
    expect(await f.engine.awaitRun(eventId)).toMatchObject({
      status: "completed",
      output: { message: "HI" },
    });
  });

  it("POST /e/<id> answers 502 {message, event_id, status} when the run failed or was compensated", async () => {
    f = await declaredFixture();
    await f.client.post("/s", text("shout")); // its address answers nothing
    const unreachable = await f.client.post("/w", {
      name: "unreachable",
      services: ["shout"],
      inputs: [{ name: "message", type: "string" }],
    });
    const refused = await f.client.post("/w", {
      name: "refused",
      inputs: [{ name: "message", type: "string" }],
      steps: [
        { id: "up", service: "upper", compensate: { service: "reverse" } },
        { id: "stop", type: "fail", message: "refused by policy" },
      ],
    });
    const a = await f.client.post(`/e/${(unreachable.body as { workflow_id: string }).workflow_id}`, {
      message: "hi",
    });
    expect(a.status).toBe(502);
    const [failed] = await f.engine.store.listRuns({ flow: "unreachable" });
    expect(a.body).toEqual({
      message: "service shout is unreachable at http://127.0.0.1:1/shout",
      event_id: failed!.id,
      status: "failed",
    });
    const b = await f.client.post(`/e/${(refused.body as { workflow_id: string }).workflow_id}`, {
      message: "hi",
    });
    expect(b.status).toBe(502);
    const [compensated] = await f.engine.store.listRuns({ flow: "refused" });
    expect(b.body).toEqual({
      message: "refused by policy",
      event_id: compensated!.id,
      status: "compensated",
    });
  });

  it.each(["/s", "/w", "/e/some-id"])(
    "POST %s with a __proto__ or constructor.prototype key answers 400 {message}, as the gateway refuses it",
    async (path) => {
      f = await declaredFixture();
      const json = { "content-type": "application/json" };
      const proto = await f.client.post(path, undefined, {
        raw: '{"name":"x","__proto__":{"polluted":true}}',
        headers: json,
      });
      expect(proto.status).toBe(400);
      expect(proto.body).toEqual({ message: 'JSON body contains a forbidden "__proto__" key' });
      const ctor = await f.client.post(path, undefined, {
        raw: '{"name":"x","inputs":[{"constructor":{"prototype":{"polluted":true}}}]}',
        headers: json,
      });
      expect(ctor.status).toBe(400);
      expect(ctor.body).toEqual({ message: 'JSON body contains a forbidden "constructor.prototype" key' });
      // The gateway's own answer to the same body on a Tesserae route (its error shape, the same status).
      const gateway = await f.client.post("/declared/services", undefined, {
        raw: '{"name":"x","__proto__":{"polluted":true}}',
        headers: json,
      });
      expect(gateway.status).toBe(400);
      expect(gateway.body).toEqual({
        error: {
          code: "TESSERA_BAD_REQUEST",
          message: 'JSON body contains a forbidden "__proto__" key',
          requestId: expect.any(String),
        },
      });
      expect(await f.declared.store.listServices()).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});
