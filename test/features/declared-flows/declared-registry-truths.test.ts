import { afterEach, describe, expect, it } from "vitest";
import { externalServices, field } from "./external-services.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

const ext = externalServices();
const { calls } = ext;

describe("declared flows: the registry and the definitions keep their word (issue 14)", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });
  const register = ext.registrar(() => f.client);

  it("deleting a registered service that a flow uses used to answer 204 and the flow failed later", async () => {
    f = await declaredFixture();
    await register("notify", () => ({ json: {} }), [field("message")], []);
    await register("undo", () => ({ json: {} }), [field("message")], []);
    await register("spare", () => ({ json: {} }), [field("message")], []);
    const flow = await f.client.post("/declared/flows", {
      name: "notifying",
      inputs: [field("message")],
      steps: [{ id: "tell", service: "notify", compensate: { service: "undo" } }],
    });
    expect(flow.status).toBe(201);
    for (const name of ["notify", "undo"]) {
      const refused = await f.client.delete(`/declared/services/${name}`);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        error: {
          code: "TESSERA_CONFLICT",
          message: `service ${name} is used by the flows notifying`,
          details: { service: name, flows: ["notifying"] },
        },
      });
      expect((await f.client.get(`/declared/services/${name}`)).status).toBe(200);
    }
    const ok = await f.client.post("/declared/flows/notifying/events", { data: { message: "hi" } });
    expect(ok.body).toMatchObject({ status: "completed" });
    // A service no flow uses goes; once its flow is deleted, notify goes too.
    expect((await f.client.delete("/declared/services/spare")).status).toBe(204);
    expect((await f.client.delete("/declared/flows/notifying")).status).toBe(204);
    expect((await f.client.delete("/declared/services/notify")).status).toBe(204);
    expect((await f.client.delete("/declared/services/notify")).status).toBe(404);
  });

  it("a service still needed by a queued run of an older version cannot be deleted either", async () => {
    f = await declaredFixture();
    await register("old", () => ({ json: {} }), [field("message")], []);
    await f.client.post("/declared/flows", { name: "moving", inputs: [field("message")], services: ["old"] });
    // A run created but not yet executed: it has not taken its snapshot of the registry.
    await f.engine.stop();
    const { run } = await f.declared.run("moving", { message: "hi" });
    expect(run.status).toBe("queued");
    await f.client.post("/declared/flows", {
      name: "moving",
      inputs: [field("message")],
      services: ["upper"],
    });
    const refused = await f.client.delete("/declared/services/old");
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { details: { flows: ["moving"] } } });
  });

  it("after a flow was deleted its versions used to answer 404 though the README says they stay readable", async () => {
    f = await declaredFixture();
    await f.client.post("/declared/flows", { name: "gone", inputs: [field("message")], services: ["upper"] });
    await f.client.post("/declared/flows", {
      name: "gone",
      inputs: [field("message")],
      services: ["reverse"],
    });
    expect((await f.client.delete("/declared/flows/gone")).status).toBe(204);
    const v1 = await f.client.get("/declared/flows/gone/versions/1");
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({
      name: "gone",
      version: "1",
      deleted: true,
      definition: { steps: [{ service: "upper" }] },
    });
    expect((await f.client.get("/declared/flows/gone/versions/2")).body).toMatchObject({ version: "2" });
    expect((await f.client.get("/declared/flows/gone/versions/3")).status).toBe(404);
    // The flow itself is gone: no latest version, no new runs.
    expect((await f.client.get("/declared/flows/gone")).status).toBe(404);
    expect((await f.client.post("/declared/flows/gone/events", { data: { message: "x" } })).status).toBe(404);
  });

  it("an identical resubmission used to make a new version", async () => {
    f = await declaredFixture();
    const def = { name: "same", inputs: [field("message")], services: ["upper"] };
    const first = await f.client.post("/declared/flows", def);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: "1" });
    // The same definition, its keys in another order: the same version, 200.
    const again = await f.client.post("/declared/flows", {
      services: ["upper"],
      inputs: [{ type: "string", name: "message" }],
      name: "same",
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const w = await f.client.post("/w", def);
    expect(w.status).toBe(201);
    expect(w.body).toEqual({ workflow_id: (first.body as { id: string }).id });
    expect((await f.client.get("/declared/flows/same")).body).toMatchObject({ versions: ["1"] });
    // A changed definition is a new version; the first one again is a third.
    const changed = await f.client.post("/declared/flows", { ...def, services: ["upper", "reverse"] });
    expect(changed.body).toMatchObject({ version: "2" });
    expect((await f.client.post("/declared/flows", def)).body).toMatchObject({ version: "3" });
  });

  it("a registered service that declares no inputs used to receive the whole data", async () => {
    f = await declaredFixture();
    await register("ping", () => ({ json: {} }), [], []);
    await register("pong", () => ({ json: {} }), [], []);
    await f.client.post("/declared/flows", {
      name: "pinging",
      inputs: [field("message"), field("secret")],
      steps: [{ service: "ping" }, { service: "pong", input: { note: "message" } }],
    });
    const run = await f.client.post("/declared/flows/pinging/events", {
      data: { message: "hi", secret: "s3cr3t" },
    });
    expect(run.body).toMatchObject({ status: "completed" });
    expect(calls.map((c) => [c.path, c.body])).toEqual([
      ["/ping", {}],
      ["/pong", { note: "hi" }],
    ]);
  });

  it("version used to be a number in /declared/events and a string in /flows/runs", async () => {
    f = await declaredFixture();
    await f.client.post("/declared/flows", {
      name: "typed",
      inputs: [field("message")],
      services: ["upper"],
    });
    const ev = await f.client.post("/declared/flows/typed/events", { data: { message: "hi" } });
    const id = (ev.body as { eventId: string }).eventId;
    const views = [
      ev.body,
      (await f.client.get(`/declared/events/${id}`)).body,
      (await f.client.get(`/flows/runs/${id}`)).body,
      ((await f.client.get("/flows/runs?flow=typed")).body as unknown[])[0],
      (await f.client.get("/declared/flows/typed")).body,
      (await f.client.get("/declared/flows/typed/versions/1")).body,
      ((await f.client.get("/declared/flows")).body as unknown[])[0],
    ];
    for (const v of views) expect((v as { version: unknown }).version).toBe("1");
  });
});
