import { afterEach, describe, expect, it } from "vitest";
import { field } from "./external-services.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

const waiting = (signal: string, name = "approve") => ({
  name,
  inputs: [field("message")],
  steps: [
    { id: "hold", type: "wait", signal, fields: [{ name: "by", type: "string" }] },
    { service: "upper" },
  ],
});

describe("declared flows: signals a run cannot wait for are refused (issue 14)", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });

  it("a signal name the declared flow never waits for used to answer 202 accepted and be dropped", async () => {
    f = await declaredFixture({ syncWaitMs: 200 });
    const w = await f.client.post("/w", waiting("approval"));
    expect(w.status).toBe(201);
    // A run started through machinery's API, and one through Tesserae's.
    const e = await f.client.post(`/e/${(w.body as { workflow_id: string }).workflow_id}`, { message: "hi" });
    expect(e.status).toBe(202);
    const viaMachinery = (e.body as { event_id: string }).event_id;
    const d = await f.client.post("/declared/flows/approve/events", {
      data: { message: "yo" },
      mode: "async",
    });
    const viaDeclared = (d.body as { eventId: string }).eventId;
    for (const id of [viaMachinery, viaDeclared]) {
      const typo = await f.client.post(`/flows/runs/${id}/signals/aproval`, { payload: { by: "ops" } });
      expect(typo.status).toBe(404);
      expect(typo.body).toMatchObject({
        error: {
          code: "TESSERA_NOT_FOUND",
          message: `run ${id} does not wait for signal "aproval"`,
          details: { signal: "aproval", accepts: ["approval"] },
        },
      });
      expect((await f.engine.store.getRun(id))?.status).toBe("waiting");
      const right = await f.client.post(`/flows/runs/${id}/signals/approval`, { payload: { by: "ops" } });
      expect(right.status).toBe(202);
      expect(await f.engine.awaitRun(id)).toMatchObject({ status: "completed", output: { by: "ops" } });
    }
  });

  it("a run used to be offered the signals of its flow's latest version instead of its own version's", async () => {
    f = await declaredFixture();
    await f.client.post("/declared/flows", waiting("approval"));
    const first = await f.client.post("/declared/flows/approve/events", {
      data: { message: "hi" },
      mode: "async",
    });
    const id = (first.body as { eventId: string }).eventId;
    // Version 2 waits for another signal; the run of version 1 still waits for "approval".
    expect((await f.client.post("/declared/flows", waiting("consent"))).body).toMatchObject({ version: "2" });
    const other = await f.client.post(`/flows/runs/${id}/signals/consent`, { payload: { by: "ops" } });
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ error: { details: { accepts: ["approval"] } } });
    const bad = await f.client.post(`/flows/runs/${id}/signals/approval`, { payload: { by: 5 } });
    expect(bad.status).toBe(400);
    expect(
      (await f.client.post(`/flows/runs/${id}/signals/approval`, { payload: { by: "ops" } })).status,
    ).toBe(202);
    expect(await f.engine.awaitRun(id)).toMatchObject({ status: "completed", version: "1" });
  });

  it("a signal to a declared run that has ended is refused with 409", async () => {
    f = await declaredFixture();
    await f.client.post("/declared/flows", waiting("approval"));
    const started = await f.client.post("/declared/flows/approve/events", {
      data: { message: "hi" },
      mode: "async",
    });
    const id = (started.body as { eventId: string }).eventId;
    await f.client.post(`/flows/runs/${id}/signals/approval`, { payload: { by: "ops" } });
    expect(await f.engine.awaitRun(id)).toMatchObject({ status: "completed" });
    for (const name of ["approval", "nope"]) {
      const late = await f.client.post(`/flows/runs/${id}/signals/${name}`, { payload: { by: "ops" } });
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({
        error: { code: "TESSERA_CONFLICT", details: { status: "completed" } },
      });
    }
  });
});
