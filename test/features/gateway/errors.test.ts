import { describe, expect, it } from "vitest";
import { TesseraError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { errorAnswer } from "../../../src/features/gateway/error-answer.js";
import { httpStatusOf } from "../../../src/features/gateway/index.js";
import { errorCatalogue } from "../../../src/index.js";
import { gatewayFor, orders } from "./fixtures.js";

const json = { "content-type": "application/json" };

describe("gateway errors", () => {
  it("every error code has an HTTP status", () => {
    expect(Object.keys(httpStatusOf).sort()).toEqual(Object.keys(errorCatalogue).sort());
  });

  it("a handler crash → 500 without message or stack; the stack is logged with the request id", async () => {
    const g = gatewayFor([orders]);
    const res = await g.client.post("/orders/boom", undefined, { headers: { "x-request-id": "req-123" } });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: { code: "TESSERA_INTERNAL", message: "internal error", requestId: "req-123" },
    });
    expect(res.text).not.toContain("secret");
    expect(res.text).not.toContain("at ");
    const logged = g.lines.find((l) => l.level === "error");
    expect(logged).toMatchObject({ requestId: "req-123", target: "orders.boom" });
    expect(JSON.stringify(logged)).toContain("secret database password");
    expect(JSON.stringify(logged)).toContain("stack");
  });

  it("a TesseraError keeps its code, message and details", async () => {
    const g = gatewayFor([orders]);
    const res = await g.client.post("/orders/conflict");
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      error: { code: "TESSERA_CONFLICT", message: "already shipped", details: { state: "shipped" } },
    });
  });

  it("a configuration error (jetstream.replicas the servers cannot keep) answers 500 with its code and message, without retry-after", () => {
    const message = "jetstream.replicas: the NATS servers cannot keep 5 replicas of a stream";
    const res = errorAnswer(
      new TesseraError("TESSERA_CONFIG", message),
      "req-1",
      { method: "POST", url: "/e/x" } as never,
      undefined,
      silentLogger,
    );
    // Not 503: retrying does not fix a misconfiguration, and 503 tells clients to retry in 1 s.
    expect(res.status).toBe(500);
    expect(res.headers["retry-after"]).toBeUndefined();
    expect(JSON.parse(res.body as string)).toEqual({
      error: { code: "TESSERA_CONFIG", message, requestId: "req-1" },
    });
  });

  it("malformed JSON → 400", async () => {
    const g = gatewayFor([orders]);
    const res = await g.client.post("/orders", undefined, { raw: '{"item":', headers: json });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: "TESSERA_BAD_REQUEST" } });
  });

  it.each([
    ['{"item":"x","__proto__":{"admin":true}}'],
    ['{"item":"x","nested":{"constructor":{"prototype":{"admin":true}}}}'],
    ['{"item":"x","\\u005f_proto__":{"admin":true}}'],
  ])("prototype poisoning %s → 400 naming the forbidden key", async (raw) => {
    const g = gatewayFor([orders]);
    const res = await g.client.post("/orders", undefined, { raw, headers: json });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: {
        code: "TESSERA_BAD_REQUEST",
        message: expect.stringMatching(
          /^JSON body contains a forbidden "(__proto__|constructor\.prototype)" key$/,
        ),
      },
    });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it.each([["/orders?__proto__=1"], ["/orders?constructor=1"]])(
    "a prototype key in the query string %s → 400 naming it",
    async (url) => {
      const g = gatewayFor([orders]);
      const res = await g.client.get(url);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: {
          code: "TESSERA_BAD_REQUEST",
          message: expect.stringMatching(/^forbidden query parameter "/),
        },
      });
    },
  );

  it.each([["text/plain"], ["application/x-www-form-urlencoded"], ["multipart/form-data; boundary=x"]])(
    "a %s body → 415 TESSERA_UNSUPPORTED_MEDIA_TYPE",
    async (type) => {
      const g = gatewayFor([orders]);
      const res = await g.client.post("/orders", undefined, {
        raw: "item=x",
        headers: { "content-type": type },
      });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ error: { code: "TESSERA_UNSUPPORTED_MEDIA_TYPE" } });
    },
  );

  it("a body without a content type → 415", async () => {
    const g = gatewayFor([orders]);
    const res = await g.client.post("/orders", undefined, { raw: '{"item":"x"}', headers: {} });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ error: { code: "TESSERA_UNSUPPORTED_MEDIA_TYPE" } });
  });

  it("a harmless `constructor` key is accepted", async () => {
    const g = gatewayFor([orders]);
    const res = await g.client.post("/orders", undefined, {
      raw: '{"item":"x","constructor":"fine"}',
      headers: json,
    });
    expect(res.status).toBe(201);
  });

  it("a body that is not UTF-8 → 400", async () => {
    const g = gatewayFor([orders]);
    const res = await g.client.post("/orders", undefined, {
      raw: new Uint8Array([0x7b, 0xff, 0x7d]),
      headers: json,
    });
    expect(res.status).toBe(400);
  });

  it("content-type with a charset and +json types are JSON", async () => {
    const g = gatewayFor([orders]);
    const a = await g.client.post("/orders", undefined, {
      raw: '{"item":"a"}',
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    const b = await g.client.post("/orders", undefined, {
      raw: '{"item":"b"}',
      headers: { "content-type": "application/vnd.api+json" },
    });
    expect([a.status, b.status]).toEqual([201, 201]);
  });

  it("a body limit can be configured; a declared content-length over it is refused before reading", async () => {
    const g = gatewayFor([orders], { bodyLimit: 16 });
    const res = await g.client.post("/orders", { item: "a long enough item" });
    expect(res.status).toBe(413);
    let read = false;
    const early = await g.gateway.handle({
      method: "POST",
      url: "/orders",
      headers: { "content-type": "application/json", "content-length": "1000" },
      readBody: async () => {
        read = true;
        return new Uint8Array(0);
      },
    });
    expect(early.status).toBe(413);
    expect(read).toBe(false);
  });

  it("x-request-id: a safe client id is echoed, an unsafe one replaced", async () => {
    const g = gatewayFor([orders]);
    expect(
      (await g.client.get("/orders/latest", { headers: { "x-request-id": "abc-1" } })).headers[
        "x-request-id"
      ],
    ).toBe("abc-1");
    const replaced = await g.client.get("/orders/latest", {
      headers: { "x-request-id": "bad id\n<script>" },
    });
    expect(replaced.headers["x-request-id"]).toMatch(/^[\w-]+$/);
    expect((await g.client.get("/nope")).headers["x-request-id"]).toBeDefined();
  });

  it("a request past its deadline → 504 and the handler's signal is aborted", async () => {
    const g = gatewayFor([orders], { requestTimeout: 50 });
    const res = await g.client.post("/orders/slow", { ms: 5000 });
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ error: { code: "TESSERA_TIMEOUT" } });
  });
});
