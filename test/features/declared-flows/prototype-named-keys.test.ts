import { afterEach, describe, expect, it } from "vitest";
import { inputOf } from "../../../src/features/declared-flows/data-paths.js";
import { checkFields } from "../../../src/features/declared-flows/field-values.js";
import { parseDefinition } from "../../../src/features/declared-flows/parse-definition.js";
import { parseServiceRegistration } from "../../../src/features/declared-flows/parse-service-registration.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

// Regression: an unknown key named like a member of Object.prototype ("toString", "constructor",
// "hasOwnProperty") made the per-field error map read the inherited member instead of a list of
// messages, and the submission answered 500. A "__proto__" key (an own key, as JSON.parse makes it)
// would have set the prototype of the map. Field errors now live in an object without a prototype.
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
    expect(Object.getPrototypeOf(parsed.errors)).toBeNull();
    expect(Object.keys(parsed.errors)).toEqual([key]);
    expect(Object.getOwnPropertyDescriptor(parsed.errors, key)?.value).toEqual(["Unknown field."]);
  });

  it.each(keys)("a registration with an unknown top-level %s key is refused field by field", (key) => {
    const parsed = parseServiceRegistration(
      JSON.parse(`{"name":"x","address":"http://127.0.0.1:1/x","${key}":1}`),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.getPrototypeOf(parsed.errors)).toBeNull();
    expect(Object.keys(parsed.errors)).toEqual([key]);
    expect(Object.getOwnPropertyDescriptor(parsed.errors, key)?.value).toEqual(["Unknown field."]);
  });

  it("machinery's POST /w and POST /s answer 409 with the error map, not 500", async () => {
    f = await declaredFixture();
    // machinery ignores an unknown top-level field of a workflow (see machinery-leniency.test.ts),
    // and refuses one inside an input.
    const w = await f.client.post("/w", { toString: 1 });
    expect(w.status).toBe(409);
    expect(w.body).toEqual({
      name: ["Missing data for required field."],
      services: ["Missing data for required field."],
    });
    const nested = await f.client.post("/w", {
      name: "x",
      services: ["upper"],
      inputs: [{ name: "message", type: "string", toString: 1 }],
    });
    expect(nested.status).toBe(409);
    expect(nested.body).toEqual({ "inputs.0.toString": ["Unknown field."] });
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

  // Found by no-5xx-from-any-json.test.ts: the registry read its aliases through the prototype chain,
  // took Object.prototype.__defineGetter__ (a function) for an entry id and threw a TypeError.
  it.each(["__defineGetter__", "toString", "constructor", "hasOwnProperty"])(
    "a flow calling a service named %s, which does not exist, is refused as unknown, not 500",
    async (name) => {
      f = await declaredFixture();
      const flow = await f.client.post("/declared/flows", { name: "x", services: ["upper", name] });
      expect(flow.status).toBe(409);
      expect(flow.body).toMatchObject({ error: { code: "TESSERA_CONFLICT", details: { services: [name] } } });
      const w = await f.client.post("/w", { name: "x", services: ["upper", name] });
      expect(w.status).toBe(409);
      expect(w.body).toEqual({ message: `service ${name} does not exist` });
    },
  );

  it("a registration whose address is no URL threw TypeError: Invalid URL (found by the property test): a field error", () => {
    const parsed = parseServiceRegistration({ name: "shout", address: "upper" });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.getOwnPropertyDescriptor(parsed.errors, "address")?.value).toEqual(["Not a valid URL."]);
  });

  it("event data lacking a field named constructor or toString is missing that field, not of another type", () => {
    const fields = [
      { name: "constructor", type: "string" as const },
      { name: "toString", type: "int" as const },
    ];
    const errors = checkFields(fields, { message: "hi" });
    expect(Object.getPrototypeOf(errors)).toBeNull();
    expect({ ...errors }).toEqual({
      constructor: ["Missing data for required field."],
      toString: ["Missing data for required field."],
    });
    expect({ ...checkFields(fields, { constructor: "a", toString: 1 }) }).toEqual({});
  });

  it("a call's input leaves out a service input named constructor that the data lacks (it was Object)", () => {
    const fields = [
      { name: "message", type: "string" as const },
      { name: "constructor", type: "string" as const, required: false },
    ];
    expect(inputOf(undefined, fields, { message: "hi" })).toEqual({ message: "hi" });
    expect(Object.keys(inputOf(undefined, fields, { message: "hi" }))).toEqual(["message"]);
  });

  it("a step whose input mapping lacks a service input named toString is told the flow does not provide it", async () => {
    f = await declaredFixture();
    await f.client.post("/s", {
      name: "echo",
      address: "http://127.0.0.1:1/echo",
      inputs: [{ name: "toString", type: "string" }],
    });
    const res = await f.client.post("/declared/flows", {
      name: "x",
      inputs: [{ name: "message", type: "string" }],
      steps: [{ service: "echo", input: { message: "message" } }],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: {
        details: {
          fields: {
            "steps.0.input.toString": ['No flow input or earlier step provides "toString".'],
            "steps.0.input.message": ['Service "echo" takes no input "message".'],
          },
        },
      },
    });
  });
});
