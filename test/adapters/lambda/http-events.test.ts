import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/index.js";
import { albEvent, v1Event, v2Event } from "./fixtures/events.js";
import { fixtureHandler, json } from "./fixtures/handler.js";
import { logo } from "./fixtures/services.js";

const handler = fixtureHandler();
const upper = { method: "POST", path: "/text/upper", headers: { "content-type": "application/json" } };
const hello = JSON.stringify({ message: "hello world" });

interface Result {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}
const call = async (event: unknown) => (await handler(event)) as Result;

describe("HTTP API (v2) events", () => {
  it("run the entry through the gateway: routing, validation, JSON answer", async () => {
    const r = await call(v2Event({ ...upper, body: hello }));
    expect(r).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(r.headers?.["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(r.body)).toEqual({ message: "HELLO WORLD" });
  });

  it("typed calls between services run in-process", async () => {
    const r = await call(v2Event({ ...upper, path: "/pipeline/process", body: hello }));
    expect(JSON.parse(r.body)).toEqual({ message: "DLROW OLLEH", count: 1 });
  });

  it("drop the stage name HTTP APIs put before the path of a named stage, and keep the query", async () => {
    const r = await call(
      v2Event({ method: "GET", path: "/vault/echo", stage: "dev", query: { q: "a b", tag: ["x", "y"] } }),
    );
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({ q: "a b", tag: ["x", "y"] });
  });

  it("answer validation errors, unknown routes and wrong methods as the gateway does", async () => {
    const invalid = await call(v2Event({ ...upper, body: '{"message":5}' }));
    expect(invalid.statusCode).toBe(400);
    expect(json(invalid)).toMatchObject({ error: { code: "TESSERA_VALIDATION" } });
    expect((await call(v2Event({ method: "GET", path: "/nope" }))).statusCode).toBe(404);
    const wrong = await call(v2Event({ method: "PUT", path: "/text/upper" }));
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers?.allow).toContain("POST");
  });

  it("use API Gateway's request id when the client sent none", async () => {
    const r = await call(v2Event({ method: "GET", path: "/vault/echo", query: { q: "x" } }));
    expect(r.headers?.["x-request-id"]).toBe("JKJaXmPLvHcESHA=");
    expect(json(r)).toMatchObject({ requestId: "JKJaXmPLvHcESHA=" });
  });

  it("send bytes in base64 with the flag, with the content type the handler chose", async () => {
    const r = await call(v2Event({ method: "GET", path: "/vault/logo" }));
    expect(r.isBase64Encoded).toBe(true);
    expect(r.headers?.["content-type"]).toBe("image/png");
    expect(new Uint8Array(Buffer.from(r.body, "base64"))).toEqual(logo);
  });

  it("answer entries of other stages as missing", async () => {
    const prod = fixtureHandler({
      node: async () => {
        const { createNode, silentLogger } = await import("../../../src/index.js");
        const { memoryTransport } = await import("../../../src/adapters/memory/index.js");
        const { vault } = await import("./fixtures/services.js");
        return createNode({
          services: [vault],
          transport: memoryTransport(),
          stage: "prod",
          logger: silentLogger,
        });
      },
    });
    const r = (await prod(v2Event({ method: "GET", path: "/vault/debug" }))) as Result;
    expect(r.statusCode).toBe(404);
    expect((await call(v2Event({ method: "GET", path: "/vault/debug" }))).statusCode).toBe(200);
  });
});

describe("REST API (v1) proxy events", () => {
  it("decode a base64 body (binary media types */*) and read mixed-case headers", async () => {
    const r = await call(
      v1Event({ ...upper, headers: { "Content-Type": "application/json" }, body: hello, base64: true }),
    );
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ message: "HELLO WORLD" });
  });

  it("rebuild the query from the decoded multi-value parameters", async () => {
    const r = await call(
      v1Event({ method: "GET", path: "/vault/echo", query: { q: "a&b=c", tag: ["x", "y z"] } }),
    );
    expect(json(r)).toMatchObject({ q: "a&b=c", tag: ["x", "y z"] });
  });

  it("pass path parameters and 204 for an entry returning nothing", async () => {
    const r = await call(
      v1Event({
        method: "PUT",
        path: "/vault/secret/db",
        headers: { Authorization: "Bearer admin-token", "Content-Type": "application/json" },
        body: '{"value":"s3cret"}',
      }),
    );
    expect(r.statusCode).toBe(204);
    expect(r.body).toBe("");
  });

  it("accept the HTTP API payload format 1.0", async () => {
    const r = await call({ ...v1Event({ ...upper, body: hello }), version: "1.0" });
    expect(r.statusCode).toBe(200);
  });
});

describe("ALB events", () => {
  it("answer with a status description, and read the query as the client encoded it", async () => {
    const r = await call(albEvent({ method: "GET", path: "/vault/echo", rawQuery: { q: "hello%20world" } }));
    expect(r).toMatchObject({ statusCode: 200, statusDescription: "200 OK" });
    expect(json(r)).toMatchObject({ q: "hello world" });
  });

  it("answer with multi-value headers when the target group has them on", async () => {
    const r = await call(albEvent({ ...upper, body: hello }, true));
    expect(r.headers).toBeUndefined();
    expect(r.multiValueHeaders?.["content-type"]).toEqual(["application/json; charset=utf-8"]);
    expect(JSON.parse(r.body)).toEqual({ message: "HELLO WORLD" });
  });

  it("refuse a non-JSON body with 415", async () => {
    const r = await call(
      albEvent({
        method: "POST",
        path: "/text/upper",
        headers: { "content-type": "text/plain" },
        body: "hi",
      }),
    );
    expect(r).toMatchObject({ statusCode: 415, statusDescription: "415 Unsupported Media Type" });
  });
});

describe("the node", () => {
  it("is created on the first invocation, not when the handler is", async () => {
    let created = 0;
    const lazy = fixtureHandler({
      node: async () => {
        created++;
        const { createNode, silentLogger } = await import("../../../src/index.js");
        const { memoryTransport } = await import("../../../src/adapters/memory/index.js");
        const { text } = await import("./fixtures/services.js");
        return createNode({ services: [text], transport: memoryTransport(), logger: silentLogger });
      },
    });
    expect(created).toBe(0);
    await lazy(v2Event({ ...upper, body: hello }));
    await lazy(v2Event({ ...upper, body: hello }));
    expect(created).toBe(1);
  });

  it("that fails to start gives 503 without its reason, and is tried again on the next event", async () => {
    let attempts = 0;
    const failing = fixtureHandler({
      logger: silentLogger,
      node: () => {
        attempts++;
        throw new Error("TEXT_API_KEY is not set");
      },
    });
    const r = (await failing(v2Event({ ...upper, body: hello }))) as Result;
    expect(r.statusCode).toBe(503);
    expect(r.body).not.toContain("TEXT_API_KEY");
    expect(json(r)).toMatchObject({ error: { code: "TESSERA_UNAVAILABLE" } });
    await failing(v2Event({ ...upper, body: hello }));
    expect(attempts).toBe(2);
  });
});
