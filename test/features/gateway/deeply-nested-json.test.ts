// Found by the gateway fuzz (issue 19, test/e2e/gateway-fuzz.e2e.test.ts): machinery's POST /e/:id
// with event data nested 10,000 levels deep ({"a":{"a":…}}) answered 500: JSON.parse reads any
// depth, but the flow store's JSON.stringify of the run's input overflowed the stack. Now a JSON
// body nested deeper than 256 levels is refused as the request's fault (400) wherever the gateway
// or machinery reads one, and a declared flow's step fails on a service answering such JSON.
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { sqliteFlowStore } from "../../../src/adapters/sqlite/index.js";
import { maxJsonDepth } from "../../../src/features/gateway/json-body.js";
import { externalServices, field } from "../declared-flows/external-services.js";
import { type DeclaredFixture, declaredFixture } from "../declared-flows/fixture.js";

/** `{"a":{"a":…"x"…}}`, `depth` objects deep. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}"x"${"}".repeat(depth)}`;
const json = { "content-type": "application/json" };

const ext = externalServices();

describe("JSON nested deeper than the gateway takes", () => {
  let f: DeclaredFixture;
  afterEach(() => f?.stop());

  it("machinery's POST /e/:id with data nested 10,000 deep answered 500; now 400 {message}", async () => {
    // The store of `npm start`: SQLite, whose JSON.stringify of the run's input overflowed.
    f = await declaredFixture({ flowStore: sqliteFlowStore({ database: new Database(":memory:") }) });
    const w = await f.client.post("/w", { name: "deep", services: ["upper"], inputs: [] });
    const id = (w.body as { workflow_id: string }).workflow_id;
    const res = await f.client.post(`/e/${id}`, undefined, { raw: nested(10_000), headers: json });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toEqual({
      message: `JSON body nests objects and lists deeper than ${maxJsonDepth} levels`,
    });
  });

  it("the gateway's routes answer 400 TESSERA_BAD_REQUEST with the limit, past it and only past it", async () => {
    f = await declaredFixture();
    await f.client.post("/declared/flows", {
      name: "shout",
      inputs: [field("message")],
      services: ["upper"],
    });
    const deep = await f.client.post("/declared/flows/shout/events", undefined, {
      raw: `{"data":${nested(10_000)}}`,
      headers: json,
    });
    expect(deep.status, deep.text).toBe(400);
    expect(deep.body).toMatchObject({
      error: {
        code: "TESSERA_BAD_REQUEST",
        message: "JSON body nests objects and lists deeper than 256 levels",
        details: { maxDepth: 256 },
      },
    });
    // The body's own object is a level: 256 levels in all are taken, 257 are not.
    const at = await f.client.post("/text/upper", undefined, {
      raw: `{"message":"hi","x":${nested(maxJsonDepth - 1)}}`,
      headers: json,
    });
    expect(at.status, at.text).toBe(200);
    const past = await f.client.post("/text/upper", undefined, {
      raw: `{"message":"hi","x":${nested(maxJsonDepth)}}`,
      headers: json,
    });
    expect(past.status, past.text).toBe(400);
    const lists = await f.client.post("/text/upper", undefined, {
      raw: `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
      headers: json,
    });
    expect(lists.status, lists.text).toBe(400);
  });

  it("a declared flow's step fails when its service answers JSON nested too deep", async () => {
    f = await declaredFixture();
    await ext.registrar(() => f.client)("deep", () => ({ raw: `{"message":${nested(5000)}}` }));
    await f.client.post("/declared/flows", {
      name: "deeply",
      inputs: [field("message")],
      services: ["deep"],
    });
    const res = await f.client.post("/declared/flows/deeply/events", { data: { message: "x" } });
    expect(res.body).toMatchObject({ status: "failed" });
    expect((res.body as { error: unknown }).error).toMatchObject({
      code: "TESSERA_UNAVAILABLE",
      message: "service deep answered 200 with JSON that nests deeper than 256 levels",
    });
  });
});
