import { afterEach, describe, expect, it } from "vitest";
import { parseDefinition } from "../../../src/features/declared-flows/parse-definition.js";
import { parseServiceRegistration } from "../../../src/features/declared-flows/parse-service-registration.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

// Regression: an unknown key named like a member of Object.prototype ("toString", "constructor",
// "hasOwnProperty") made the per-field error map read the inherited member instead of a list of
// messages, and the submission answered 500. A "__proto__" key (an own key, as JSON.parse makes it)
// would have set the prototype of the map.
const keys = ["toString", "constructor", "hasOwnProperty", "valueOf", "__proto__"];

describe("keys named like Object.prototype's members", () => {
  let f: DeclaredFixture | undefined;
  afterEach(async () => {
    await f?.stop();
    f = undefined;
  });

  it.each(keys)("a definition with an unknown top-level %s key is refused field by field", (key) => {
    const parsed = parseDefinition(JSON.parse(`{"name":"x","services":["upper"],"${key}":1}`));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.getPrototypeOf(parsed.errors)).toBe(Object.prototype);
    expect(Object.keys(parsed.errors)).toEqual([key]);
    expect(Object.getOwnPropertyDescriptor(parsed.errors, key)?.value).toEqual(["Unknown field."]);
  });

  it.each(keys)("a registration with an unknown top-level %s key is refused field by field", (key) => {
    const parsed = parseServiceRegistration(
      JSON.parse(`{"name":"x","address":"http://127.0.0.1:1/x","${key}":1}`),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.getPrototypeOf(parsed.errors)).toBe(Object.prototype);
    expect(Object.keys(parsed.errors)).toEqual([key]);
    expect(Object.getOwnPropertyDescriptor(parsed.errors, key)?.value).toEqual(["Unknown field."]);
  });

  it("machinery's POST /w and POST /s answer 409 with the error map, not 500", async () => {
    f = await declaredFixture();
    const w = await f.client.post("/w", { toString: 1 });
    expect(w.status).toBe(409);
    expect(w.body).toEqual({
      toString: ["Unknown field."],
      name: ["Missing data for required field."],
      services: ["Missing data for required field."],
    });
    const s = await f.client.post("/s", { name: "x", address: "http://127.0.0.1:1/x", constructor: 1 });
    expect(s.status).toBe(409);
    expect(s.body).toEqual({ constructor: ["Unknown field."] });
  });

  it("the /declared API answers 400 with the problems per field, not 500", async () => {
    f = await declaredFixture();
    const flow = await f.client.post("/declared/flows", { name: "x", services: ["upper"], toString: 1 });
    expect(flow.status).toBe(400);
    expect(flow.body).toMatchObject({
      error: { code: "TESSERA_VALIDATION", details: { fields: { toString: ["Unknown field."] } } },
    });
    const service = await f.client.post("/declared/services", {
      name: "x",
      address: "http://127.0.0.1:1/x",
      valueOf: 1,
    });
    expect(service.status).toBe(400);
    expect(service.body).toMatchObject({
      error: { code: "TESSERA_VALIDATION", details: { fields: { valueOf: ["Unknown field."] } } },
    });
  });
});
