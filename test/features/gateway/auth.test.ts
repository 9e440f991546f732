import { describe, expect, it } from "vitest";
import { z } from "zod";
import { entry, service, TesseraError } from "../../../src/index.js";
import { gatewayFor } from "./fixtures.js";

const seen: unknown[] = [];

const inner = service("inner", {
  entries: {
    whoami: entry((_input, ctx) => {
      seen.push(ctx.identity);
      return { sub: ctx.identity?.sub ?? null };
    }),
  },
});

const secured = service("secured", {
  authorize: (token, req) => {
    if (token === "boom") throw new Error("authorizer bug");
    if (token === "expired") throw TesseraError.unauthorized("token expired");
    if (token === "reader" && req.method !== "GET") return false;
    if (token === "anon") return true;
    return token === "good" || token === "reader" ? { sub: `user-${token}`, role: "admin" } : false;
  },
  entries: {
    getMe: entry(async (_input, ctx) => ctx.call(inner.entries.whoami)),
    post: entry({ input: z.object({ x: z.number() }) }, (i) => i),
    getPublic: entry({ noAuth: true }, () => ({ open: true })),
  },
});

describe("gateway auth", () => {
  const g = gatewayFor([secured, inner]);

  it("no token → 401 with WWW-Authenticate, before the body is read", async () => {
    const res = await g.client.get("/secured/me");
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe("Bearer");
    expect(res.body).toMatchObject({
      error: { code: "TESSERA_UNAUTHORIZED", message: "a bearer token is required" },
    });
    let read = false;
    const r = await g.gateway.handle({
      method: "POST",
      url: "/secured",
      headers: { "content-type": "application/json", "content-length": "8" },
      readBody: async () => {
        read = true;
        return new TextEncoder().encode('{"x":1}');
      },
    });
    expect(r.status).toBe(401);
    expect(read).toBe(false);
  });

  it("a non-bearer scheme counts as no token", async () => {
    expect((await g.client.get("/secured/me", { headers: { authorization: "Basic abc" } })).status).toBe(401);
  });

  it("the identity reaches the handler and travels with nested calls", async () => {
    const res = await g.client.get("/secured/me", { headers: { authorization: "Bearer good" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: "user-good" });
    expect(seen.at(-1)).toEqual({ sub: "user-good", role: "admin" });
  });

  it("`true` passes anonymously; `false` → 403; a thrown TesseraError keeps its code", async () => {
    expect((await g.client.get("/secured/me", { headers: { authorization: "Bearer anon" } })).body).toEqual({
      sub: null,
    });
    const denied = await g.client.post("/secured", { x: 1 }, { headers: { authorization: "Bearer reader" } });
    expect(denied.status).toBe(403);
    const expired = await g.client.get("/secured/me", { headers: { authorization: "Bearer expired" } });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ error: { message: "token expired" } });
  });

  it("an authorizer that crashes → 500, logged, nothing leaked", async () => {
    const res = await g.client.get("/secured/me", { headers: { authorization: "Bearer boom" } });
    expect(res.status).toBe(500);
    expect(res.text).not.toContain("authorizer bug");
    expect(JSON.stringify(g.lines)).toContain("authorizer bug");
  });

  it("noAuth entries skip the authorizer", async () => {
    expect((await g.client.get("/secured/public")).body).toEqual({ open: true });
  });

  it("a gateway-wide authorizer covers services without their own", async () => {
    const h = gatewayFor([inner], { authorize: (t) => (t === "ok" ? { sub: "gw" } : false) });
    expect((await h.client.post("/inner/whoami")).status).toBe(401);
    expect(
      (await h.client.post("/inner/whoami", undefined, { headers: { authorization: "Bearer ok" } })).body,
    ).toEqual({ sub: "gw" });
  });

  it("an authorize option that is not a function is refused when the service is declared (the gateway's own when the gateway is created)", () => {
    const wrong = () =>
      service("wrong", {
        authorize: "jwt" as never,
        entries: { getThing: entry(() => ({ ok: true })) },
      });
    expect(definitionError(wrong)).toEqual({
      code: "TESSERA_DEFINITION",
      name: "wrong.authorize",
      message: 'wrong.authorize must be a function, got "jwt"',
    });
    expect(definitionError(() => gatewayFor([inner], { authorize: 5 as never }))).toMatchObject({
      code: "TESSERA_DEFINITION",
      name: "gateway.authorize",
    });
  });
});

/** The code, the offending option (`details.name`) and the message of what `create` throws. */
function definitionError(create: () => unknown): { code: string; name: unknown; message: string } {
  try {
    create();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    const e = err as TesseraError;
    return { code: e.code, name: (e.details as { name?: unknown } | undefined)?.name, message: e.message };
  }
  throw new Error("the gateway was created");
}
