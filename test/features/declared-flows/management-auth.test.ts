// Issue 16, item 3: the management API of declared flows (/declared/*, machinery's /s, /w, /e)
// needed no credentials in any stage. It now takes a token, or an authorizer (the gateway's jwt())
// with a role; outside `dev` a node without either refuses to start, unless `open: true` says so.
import { SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import {
  memoryDeclaredFlowStore,
  memoryFlowStore,
  memoryTransport,
} from "../../../src/adapters/memory/index.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode, type TesseraNode } from "../../../src/core/node.js";
import { createDeclaredFlows } from "../../../src/features/declared-flows/declared-flows.js";
import { declaredFlowsService } from "../../../src/features/declared-flows/declared-flows-service.js";
import { machineryService } from "../../../src/features/declared-flows/machinery-service.js";
import type { ManagementOptions } from "../../../src/features/declared-flows/management-auth.js";
import { createFlowEngine } from "../../../src/features/flows/engine.js";
import { jwt } from "../../../src/features/gateway/auth/jwt.js";
import { createGateway } from "../../../src/features/gateway/gateway.js";
import { type TestClient, testClient } from "../../../src/testing/index.js";

const TOKEN = "mgmt-token-0123456789abcdef";
const SECRET = "a-jwt-secret-of-at-least-32-bytes!!";
const open: TesseraNode[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.stop()));
});

function nodeOf(stage: string, management?: ManagementOptions): TesseraNode {
  const engine = createFlowEngine({ store: memoryFlowStore(), flows: [], pollMs: 50 });
  const declared = createDeclaredFlows({
    engine,
    store: memoryDeclaredFlowStore(),
    ...(management === undefined ? {} : { management }),
  });
  return createNode({
    services: [declaredFlowsService(declared), machineryService(declared)],
    plugins: [engine, declared],
    transport: memoryTransport(),
    logger: silentLogger,
    stage,
  });
}

async function started(stage: string, management?: ManagementOptions): Promise<TestClient> {
  const node = nodeOf(stage, management);
  await node.start();
  open.push(node);
  return testClient(createGateway(node));
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const signed = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(SECRET));
const service = { name: "shout", address: "https://shout.example/x", inputs: [], outputs: [] };

describe("the management API of declared flows", () => {
  it("refuses to start outside dev without credentials, naming the settings to set", async () => {
    const node = nodeOf("prod");
    await expect(node.start()).rejects.toMatchObject({
      code: "TESSERA_CONFIG",
      message: expect.stringMatching(
        /^declared flows in stage "prod": the management API \(\/declared\/\*, \/s, \/w, \/e\) would answer anyone\. Set TESSERA_MANAGEMENT_TOKEN .*management\.open: true/,
      ),
    });
    await node.stop().catch(() => undefined);
  });

  it("is open in dev without credentials (the README's local examples)", async () => {
    const client = await started("dev");
    expect((await client.post("/declared/services", service)).status).toBe(201);
    expect((await client.post("/s", service)).status).toBe(201);
  });

  it("is open outside dev when management.open says so", async () => {
    const client = await started("prod", { open: true });
    expect((await client.get("/declared/services")).status).toBe(200);
  });

  it("with a token: 401 without it or with another, 201 with it; /e too; /healthcheck stays open", async () => {
    const client = await started("prod", { token: TOKEN });
    const none = await client.post("/declared/services", service);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({
      error: { code: "TESSERA_UNAUTHORIZED", message: "a bearer token is required" },
    });
    const wrong = await client.post("/declared/services", service, bearer("not-the-management-token"));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { message: "the bearer token is not the management token" } });
    expect((await client.post("/declared/services", service, bearer(TOKEN))).status).toBe(201);
    for (const [method, path] of [
      ["get", "/declared/services"],
      ["get", "/declared/flows"],
      ["post", "/s"],
      ["post", "/w"],
      ["post", "/e/nope"],
    ] as const)
      expect((await client[method](path, {})).status, `${method} ${path}`).toBe(401);
    expect((await client.post("/s", service, bearer(TOKEN))).status).toBe(201);
    expect((await client.get("/healthcheck")).status).toBe(204);
  });

  it("requires the token in dev too once one is given", async () => {
    const client = await started("dev", { token: TOKEN });
    expect((await client.get("/declared/services")).status).toBe(401);
  });

  it("with the gateway's jwt() and a role: 403 for a token without the role, 201 with it (roles list or string, or role)", async () => {
    const client = await started("prod", { authorize: jwt({ secret: SECRET }), role: "flows-admin" });
    const user = await client.post(
      "/declared/services",
      service,
      bearer(await signed({ sub: "ada", roles: ["user"] })),
    );
    expect(user.status).toBe(403);
    expect(user.body).toMatchObject({
      error: { code: "TESSERA_FORBIDDEN", message: 'the management API needs the role "flows-admin"' },
    });
    for (const claims of [
      { roles: ["user", "flows-admin"] },
      { roles: "user flows-admin" },
      { role: "flows-admin" },
    ])
      expect(
        (await client.post("/declared/services", service, bearer(await signed({ sub: "ops", ...claims }))))
          .status,
      ).toBe(201);
    const forged = await new SignJWT({ roles: ["flows-admin"] })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("another-secret-of-at-least-32-bytes"));
    expect((await client.post("/declared/services", service, bearer(forged))).status).toBe(401);
  });

  it("takes the token or the authorizer when both are given", async () => {
    const client = await started("prod", {
      token: TOKEN,
      authorize: jwt({ secret: SECRET }),
      role: "flows-admin",
    });
    expect((await client.get("/declared/services", bearer(TOKEN))).status).toBe(200);
    expect(
      (await client.get("/declared/services", bearer(await signed({ role: "flows-admin" })))).status,
    ).toBe(200);
  });

  it("refuses invalid settings when created, listing every problem", () => {
    expect(() => nodeOf("prod", { token: "short", role: "admin" })).toThrow(
      "invalid management settings: management.token must be a string of at least 16 characters (e.g. openssl rand -hex 32); management.role needs an authorizer: management.authorize, or the gateway's authorize",
    );
    expect(() => nodeOf("prod", { token: TOKEN, open: true })).toThrow(
      "management.open cannot be true with a token or an authorizer",
    );
  });
});
