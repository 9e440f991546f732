import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { entry, service } from "../../../src/index.js";
import { gatewayFor, orders } from "./fixtures.js";

describe("gateway routing and inputs", () => {
  const g = gatewayFor([orders]);
  afterEach(() => undefined);

  it("GET takes its input from the query string, with coercion and repeated keys as arrays", async () => {
    expect((await g.client.get("/orders?limit=5&tag=a&tag=b")).body).toEqual({ limit: 5, tags: ["a", "b"] });
    expect((await g.client.get("/orders")).body).toEqual({ limit: 10, tags: [] });
  });

  it("a bad query parameter is a 400 naming it", async () => {
    const res = await g.client.get("/orders?limit=500");
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: { code: "TESSERA_VALIDATION", details: { issues: [{ path: "limit" }] } },
    });
  });

  it("path parameters reach the input; literal routes win over parameters", async () => {
    expect((await g.client.get("/orders/order/42")).body).toEqual({ id: 42 });
    expect((await g.client.get("/orders/latest")).body).toEqual({ latest: true });
    expect((await g.client.get("/orders/order/abc")).status).toBe(400);
  });

  it("path parameters are percent-decoded; a malformed encoding is a 400", async () => {
    expect((await g.client.get("/orders/order/%34%32")).body).toEqual({ id: 42 });
    const bad = await g.client.get("/orders/order/%E0%A4%A");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "TESSERA_BAD_REQUEST" } });
  });

  it("path parameters win over body fields on PUT", async () => {
    const res = await g.client.put("/orders/order/7", { id: 99, note: "n" });
    expect(res.body).toEqual({ id: 7, note: "n" });
  });

  it("returning nothing → 204 with no body; `status: 201` is honoured", async () => {
    const del = await g.client.delete("/orders/order/3");
    expect(del.status).toBe(204);
    expect(del.text).toBe("");
    const created = await g.client.post("/orders", { item: "book" });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ item: "book", created: true });
  });

  it("DELETE takes a JSON body when one is sent, else the query string; path parameters win", async () => {
    const svc = service("bins", {
      entries: {
        deleteItems: entry(
          {
            route: "DELETE /bins/:bin/items",
            input: z.object({ bin: z.string(), ids: z.array(z.coerce.number()) }),
          },
          (input) => input,
        ),
      },
    });
    const b = gatewayFor([svc]);
    const body = await b.client.request("DELETE", "/bins/a/items", { ids: [1, 2], bin: "z" });
    expect(body.body).toEqual({ bin: "a", ids: [1, 2] });
    expect((await b.client.delete("/bins/a/items?ids=3&ids=4")).body).toEqual({ bin: "a", ids: [3, 4] });
    const text = await b.client.delete("/bins/a/items", {
      raw: "ids=1",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ error: { code: "TESSERA_UNSUPPORTED_MEDIA_TYPE" } });
    const bad = await b.client.request("DELETE", "/bins/a/items", { ids: ["x"] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: { code: "TESSERA_VALIDATION", details: { issues: [{ path: "ids.0" }] } },
    });
  });

  it("HEAD answers like GET; OPTIONS lists the verbs of a path", async () => {
    expect((await g.client.request("HEAD", "/orders/latest")).status).toBe(200);
    const opt = await g.client.request("OPTIONS", "/orders/order/1");
    expect(opt.status).toBe(204);
    expect(opt.headers.allow).toBe("DELETE, GET, HEAD, OPTIONS, PUT");
    expect((await g.client.request("OPTIONS", "/nowhere")).status).toBe(404);
  });

  it("an entry without input refuses a non-empty input", async () => {
    const res = await g.client.post("/orders/boom", { x: 1 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { message: "orders.boom takes no input" } });
  });

  it("routes reserved by the gateway cannot be claimed", () => {
    const clash = service("health", { entries: { get: entry({ route: "GET /health" }, () => 1) } });
    expect(() => gatewayFor([clash])).toThrow(/reserved by the gateway/);
    expect(() => gatewayFor([clash])).toThrow(
      expect.objectContaining({ code: "TESSERA_DEFINITION", details: { name: "health.get" } }),
    );
  });

  it("an array body on a route with path parameters is refused", async () => {
    const svc = service("items", {
      entries: { put: entry({ input: z.object({ id: z.string() }), params: ["id"] }, (x) => x) },
    });
    const h = gatewayFor([svc]);
    const res = await h.client.put("/items/1", [1, 2]);
    expect(res.status).toBe(400);
  });
});
