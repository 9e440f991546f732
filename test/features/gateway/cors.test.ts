import { describe, expect, it } from "vitest";
import { TesseraError } from "../../../src/index.js";
import { gatewayFor, orders } from "./fixtures.js";

describe("gateway CORS", () => {
  it("is off unless configured", async () => {
    const g = gatewayFor([orders]);
    const res = await g.client.get("/orders/latest", { headers: { origin: "https://a.example" } });
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("allows listed origins on requests and preflights, and ignores others", async () => {
    const g = gatewayFor([orders], {
      cors: { origin: ["https://a.example"], credentials: true, maxAge: 60 },
    });
    const ok = await g.client.get("/orders/latest", { headers: { origin: "https://a.example" } });
    expect(ok.headers).toMatchObject({
      "access-control-allow-origin": "https://a.example",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "x-request-id",
      vary: "Origin",
    });
    const pre = await g.client.request("OPTIONS", "/orders", undefined, {
      headers: {
        origin: "https://a.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers).toMatchObject({
      "access-control-allow-methods": "GET, HEAD, OPTIONS, POST",
      "access-control-allow-headers": "content-type",
      "access-control-max-age": "60",
    });
    const other = await g.client.get("/orders/latest", { headers: { origin: "https://evil.example" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("errors carry CORS headers too, so browsers can read them", async () => {
    const g = gatewayFor([orders], { cors: { origin: true } });
    const res = await g.client.get("/nope", { headers: { origin: "https://b.example" } });
    expect(res.status).toBe(404);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
  });

  it("options that cannot work are refused when the gateway is created, naming the option", () => {
    const refused = (cors: unknown): unknown => {
      try {
        gatewayFor([orders], { cors: cors as never });
      } catch (err) {
        expect(err).toBeInstanceOf(TesseraError);
        expect((err as TesseraError).code).toBe("TESSERA_DEFINITION");
        return ((err as TesseraError).details as { name?: unknown }).name;
      }
      throw new Error("the gateway was created");
    };
    expect(refused({})).toBe("gateway.cors.origin");
    expect(refused({ origin: 5 })).toBe("gateway.cors.origin");
    expect(refused("https://a.example")).toBe("gateway.cors");
    expect(refused({ origin: true, exposeHeaders: "x-request-id" })).toBe("gateway.cors.exposeHeaders");
    expect(refused({ origin: true, allowHeaders: "content-type" })).toBe("gateway.cors.allowHeaders");
  });
});
