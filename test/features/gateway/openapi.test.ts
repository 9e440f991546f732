import { describe, expect, it } from "vitest";
import { pipeline, text } from "../../../examples/text/services.js";
import { gatewayFor, orders } from "./fixtures.js";

describe("GET /openapi.json", () => {
  it("describes every route with its schemas", async () => {
    const g = gatewayFor([text, pipeline, orders]);
    const res = await g.client.get("/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    const upper = doc.paths["/text/upper"]?.post;
    expect(upper).toMatchObject({
      operationId: "text.upper",
      summary: "Upper-cases a message",
      requestBody: {
        content: {
          "application/json": {
            schema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
          },
        },
      },
      responses: {
        "200": {
          content: { "application/json": { schema: { properties: { message: { type: "string" } } } } },
        },
      },
    });
    expect(doc.paths["/orders/order/{id}"]?.get?.parameters).toEqual([
      {
        name: "id",
        in: "path",
        required: true,
        schema: { type: "integer", exclusiveMinimum: 0, maximum: 9007199254740991 },
      },
      { name: "note", in: "query", required: false, schema: { type: "string" } },
    ]);
    expect(Object.keys(doc.paths["/orders"] ?? {}).sort()).toEqual(["get", "post"]);
    expect(doc.paths["/orders"]?.post?.responses).toHaveProperty("201");
  });

  it("marks secured operations", async () => {
    const { service, entry } = await import("../../../src/index.js");
    const svc = service("vault", {
      authorize: () => true,
      entries: { getKey: entry(() => 1), getOpen: entry({ noAuth: true }, () => 2) },
    });
    const doc = (await gatewayFor([svc]).client.get("/openapi.json")).body as {
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(doc.paths["/vault/key"]?.get?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/vault/open"]?.get?.security).toBeUndefined();
  });
});
