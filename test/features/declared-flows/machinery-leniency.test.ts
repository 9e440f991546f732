// Issue 16, item 1: machinery's POST /w accepts what machinery accepts — its schema excludes
// unknown top-level fields and checks nothing between services — so these are warnings in its 201
// answer there, while Tesserae's own /declared/flows stays strict.
import { afterEach, describe, expect, it } from "vitest";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

const message = { name: "message", type: "string" };
const idOf = (body: unknown) => (body as { workflow_id: string }).workflow_id;

describe("machinery's POST /w accepts what machinery accepts, with warnings", () => {
  let f: DeclaredFixture;
  afterEach(() => f?.stop());

  it("unknown top-level fields are ignored and named in warnings; /declared/flows refuses them", async () => {
    f = await declaredFixture();
    const doc = { name: "shout", services: ["upper"], inputs: [message], operations: [], toString: 1 };
    const w = await f.client.post("/w", doc);
    expect(w.status).toBe(201);
    expect(w.body).toEqual({
      workflow_id: expect.any(String),
      warnings: [
        { field: "operations", message: "Unknown field: ignored." },
        { field: "toString", message: "Unknown field: ignored." },
      ],
    });
    expect((await f.declared.definition("shout")).definition).toEqual({
      name: "shout",
      inputs: [message],
      outputs: [],
      steps: [{ id: "upper", type: "call", service: "upper" }],
      // A workflow of /w merges its services' answers as machinery does (issue 16 follow-up, item 4).
      answers: "merged",
    });
    const strict = await f.client.post("/declared/flows", { ...doc, name: "strict" });
    expect(strict.status).toBe(400);
    expect(strict.body).toMatchObject({
      error: { details: { fields: { operations: ["Unknown field."], toString: ["Unknown field."] } } },
    });
  });

  it("an unknown field inside an input is still refused, as machinery refuses it", async () => {
    f = await declaredFixture();
    const w = await f.client.post("/w", {
      name: "shout",
      services: ["upper"],
      inputs: [{ ...message, extra: 1 }],
    });
    expect(w.status).toBe(409);
    expect(w.body).toEqual({ "inputs.0.extra": ["Unknown field."] });
  });

  it("a declared output no service provides is a warning, and the event answers the merged data", async () => {
    f = await declaredFixture();
    const doc = {
      name: "shout",
      services: ["upper"],
      inputs: [message, { name: "lang", type: "string" }],
      outputs: [message, { name: "space_count", type: "int" }],
    };
    const w = await f.client.post("/w", doc);
    expect(w.status).toBe(201);
    expect(w.body).toEqual({
      workflow_id: expect.any(String),
      warnings: [{ field: "outputs.1", message: 'No flow input or earlier step provides "space_count".' }],
    });
    const e = await f.client.post(`/e/${idOf(w.body)}`, { message: "hi", lang: "en" });
    expect(e.status).toBe(201);
    // Not the declared outputs it has ({message}): all the data, as machinery answers its merged outputs.
    expect(e.body).toEqual({ message: "HI", lang: "en" });
    const strict = await f.client.post("/declared/flows", { ...doc, name: "strict" });
    expect(strict.status).toBe(400);
  });

  it("a service input the flow does not provide, and a type that does not fit, are warnings", async () => {
    f = await declaredFixture();
    const w = await f.client.post("/w", {
      name: "shout",
      services: ["upper"],
      inputs: [{ name: "text", type: "string" }],
    });
    expect(w.status).toBe(201);
    expect(w.body).toEqual({
      workflow_id: expect.any(String),
      warnings: [
        { field: "services.0.input.message", message: 'No flow input or earlier step provides "message".' },
      ],
    });
    const typed = await f.client.post("/w", {
      name: "typed",
      services: ["upper"],
      inputs: [{ name: "message", type: "int" }],
    });
    expect(typed.status).toBe(201);
    expect((typed.body as { warnings: unknown }).warnings).toEqual([
      {
        field: "services.0.input.message",
        message: '"message" is int here but service "upper" takes string.',
      },
    ]);
  });

  it("a definition in Tesserae's steps form is checked as on /declared/flows (unknown fields aside)", async () => {
    f = await declaredFixture();
    const w = await f.client.post("/w", {
      name: "stepped",
      inputs: [{ name: "text", type: "string" }],
      steps: [{ service: "upper" }],
      operations: [],
    });
    expect(w.status).toBe(409);
    expect(w.body).toEqual({
      "steps.0.input.message": ['No flow input or earlier step provides "message".'],
    });
  });
});

describe("machinery's POST /e/<id> reads its README's event form", () => {
  let f: DeclaredFixture;
  afterEach(() => f?.stop());

  it("a body whose only key is data, an object, is the event's data", async () => {
    f = await declaredFixture();
    const id = idOf(
      (await f.client.post("/w", { name: "shout", services: ["upper"], inputs: [message] })).body,
    );
    const e = await f.client.post(`/e/${id}`, { data: { message: "hi" } });
    expect(e.status).toBe(201);
    expect(e.body).toEqual({ message: "HI" });
    // Another key beside it: the body is the data (and lacks the message).
    const beside = await f.client.post(`/e/${id}`, { data: { message: "hi" }, other: 1 });
    expect(beside.status).toBe(400);
  });

  it("a workflow with an input named data gets the body as it is", async () => {
    f = await declaredFixture();
    const id = idOf(
      (
        await f.client.post("/w", {
          name: "boxed",
          services: ["upper"],
          inputs: [message, { name: "data", type: "object", required: false }],
        })
      ).body,
    );
    const e = await f.client.post(`/e/${id}`, { data: { message: "hi" } });
    expect(e.status).toBe(400);
    expect(e.body).toEqual({
      message: "invalid event data: message: Missing data for required field.",
      errors: { message: ["Missing data for required field."] },
    });
  });
});
