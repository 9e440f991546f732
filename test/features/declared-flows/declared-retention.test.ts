import { afterEach, describe, expect, it } from "vitest";
import { field } from "./external-services.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

// Issue 19, retention: the events of declared flows (their runs) were kept for ever. A definition
// may say how long its finished runs are kept, as a flow in code does; unset, the engine's.

const shout = (retention?: unknown) => ({
  name: "shout",
  inputs: [field("message")],
  services: ["upper"],
  ...(retention === undefined ? {} : { retention }),
});

describe("declared flows: retention of their events", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });

  it("a definition's retention bounds its finished runs; a new version's applies from then on", async () => {
    f = await declaredFixture({ engine: { pruneEveryMs: 0 } });
    expect((await f.client.post("/declared/flows", shout({ maxRuns: 2 }))).status).toBe(201);
    for (let i = 0; i < 5; i++) {
      const res = await f.client.post("/declared/flows/shout/events", { data: { message: `m${i}` } });
      expect(res.body).toMatchObject({ status: "completed" });
    }
    expect(await f.engine.pruner.runPass()).toMatchObject({ deleted: 3, flows: { shout: 3 } });
    expect((await f.engine.store.listRuns({ flow: "shout" })).length).toBe(2);
    expect((await f.client.post("/declared/flows", shout(false))).status).toBe(201);
    expect(await f.engine.pruner.runPass()).toMatchObject({ deleted: 0 });
    expect(await f.engine.pruner.byHand({ flow: "shout", keep: 0 })).toMatchObject({ deleted: 2 });
  });

  it("a retention that is none is refused field by field, the flow not stored", async () => {
    f = await declaredFixture();
    const bad = await f.client.post("/declared/flows", shout({ maxAge: "soon", maxRuns: 0 }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: {
        code: "TESSERA_VALIDATION",
        details: {
          fields: {
            "retention.maxAge": [
              'Must be a positive duration up to "365d" (e.g. "7d", "12h", or ms), got "soon".',
            ],
            "retention.maxRuns": ["Must be a whole number of at least 1, got 0."],
          },
        },
      },
    });
    const wrong = await f.client.post("/declared/flows", shout("7d"));
    expect(wrong.body).toMatchObject({
      error: { details: { fields: { retention: ['Must be false or { maxAge, maxRuns }, got "7d".'] } } },
    });
    expect((await f.client.get("/declared/flows/shout")).status).toBe(404);
  });
});
