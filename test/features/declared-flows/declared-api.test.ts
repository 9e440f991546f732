import { afterEach, describe, expect, it } from "vitest";
import { externalServices, field, iso, uuid } from "./external-services.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

// Only its address is used here: the definitions name services that are never called.
const ext = externalServices();

describe("declared flows: registry and definitions (/declared API)", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });

  it("registers services and lists them with Tesserae's own entries and their fields", async () => {
    f = await declaredFixture();
    const res = await f.client.post("/declared/services", {
      name: "shout",
      address: `${ext.base}/shout`,
      inputs: [{ name: "message", type: "string", description: "what to shout" }],
      outputs: [field("message")],
      description: "Shouts",
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(uuid),
      name: "shout",
      address: `${ext.base}/shout`,
      inputs: [{ name: "message", type: "string", description: "what to shout" }],
      outputs: [{ name: "message", type: "string" }],
      description: "Shouts",
      createdAt: expect.stringMatching(iso),
      updatedAt: expect.stringMatching(iso),
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
      address: `${ext.base}/shout`,
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
        // An ftp: address is a URL that the egress policy refuses, by name (issue 16 follow-up, item 8).
        details: {
          fields: {
            address: [
              "Refused by the egress policy: the scheme ftp: is not allowed (egress.schemes: http, https).",
            ],
          },
        },
      },
    });
  });

  it("POST /declared/services answered createdAt as epoch ms while every other answer gives ISO text (issue 14 follow-up, finding 6)", async () => {
    f = await declaredFixture();
    const res = await f.client.post("/declared/services", {
      name: "stamp",
      address: `${ext.base}/stamp`,
      inputs: [field("message")],
    });
    expect(res.status).toBe(201);
    const { createdAt, updatedAt } = res.body as { createdAt: unknown; updatedAt: unknown };
    expect(createdAt).toEqual(expect.stringMatching(iso));
    expect(updatedAt).toEqual(expect.stringMatching(iso));
    expect(Math.abs(Date.parse(createdAt as string) - Date.now())).toBeLessThan(3_600_000);
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
      version: "1",
      createdAt: expect.stringMatching(iso),
    });
    const v2 = await f.client.post("/declared/flows", {
      name: "shout",
      description: "v2",
      services: ["upper", "spaces"],
      inputs: [field("message")],
    });
    expect(v2.body).toMatchObject({ id: (v1.body as { id: string }).id, version: "2", description: "v2" });
    expect((await f.client.get("/declared/flows")).body).toEqual([v2.body]);
    const read = await f.client.get("/declared/flows/shout");
    expect(read.body).toMatchObject({
      name: "shout",
      version: "2",
      versions: ["1", "2"],
      definition: { name: "shout", steps: [{ id: "upper" }, { id: "spaces" }] },
    });
    const old = await f.client.get("/declared/flows/shout/versions/1");
    expect(old.body).toMatchObject({
      version: "1",
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
});
