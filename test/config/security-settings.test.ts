// Issue 16, item 3: the egress policy and the management API's credentials are project settings
// (the project file, the stage's section first) and execution settings (TESSERA_EGRESS_*,
// TESSERA_MANAGEMENT_*, which win). Checked here on the example project as `tesserae start` runs it.
import { afterEach, describe, expect, it } from "vitest";
import { EGRESS_ENV, resolveEgressSettings } from "../../src/config/egress-settings.js";
import { loadProject } from "../../src/config/load-project.js";
import { resolveManagementSettings } from "../../src/config/management-settings.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { silentLogger } from "../../src/core/logger.js";
import type { TesseraNode } from "../../src/core/node.js";
import { createGateway } from "../../src/features/gateway/gateway.js";
import { testClient } from "../../src/testing/index.js";

const config = "examples/text/tesserae.config.ts";
const TOKEN = "example-management-token-0123";
const started: TesseraNode[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((n) => n.stop()));
});

async function exampleNode(stage: string, env: Record<string, string> = {}) {
  const project = await loadProject({ config, stage, store: "memory", processEnv: { ...env } });
  return createProjectNode(project, silentLogger);
}

describe("egress settings", () => {
  it("take each variable first, then the stage's egress, then the project file's", () => {
    expect(
      resolveEgressSettings(
        { [EGRESS_ENV.cidrs]: "10.20.0.0/16, fd12::/48", [EGRESS_ENV.privateAddresses]: "false" },
        { hosts: ["stage.internal"], privateAddresses: true },
        { hosts: ["project.internal"], listedOnly: true, cidrs: ["192.168.0.0/16"] },
      ),
    ).toEqual({
      cidrs: ["10.20.0.0/16", "fd12::/48"],
      hosts: ["stage.internal"],
      privateAddresses: false,
      listedOnly: true,
    });
    expect(resolveEgressSettings({}, undefined, undefined)).toEqual({});
  });

  it("refuse a flag that is not true or false, naming the variable", () => {
    expect(() => resolveEgressSettings({ TESSERA_EGRESS_PRIVATE: "yes" }, undefined, undefined)).toThrow(
      'TESSERA_EGRESS_PRIVATE: "yes" is not true or false',
    );
  });
});

describe("management settings", () => {
  const gateway = async () => ({ sub: "someone" });

  it("take the token and role from the environment first", () => {
    expect(
      resolveManagementSettings(
        { TESSERA_MANAGEMENT_TOKEN: TOKEN, TESSERA_MANAGEMENT_ROLE: "ops" },
        { token: "stage-token-0123456789", role: "stage-role" },
        { token: "project-token-0123456789", authorize: gateway },
        undefined,
      ),
    ).toEqual({ token: TOKEN, role: "ops", authorize: gateway });
  });

  it("check a role on the gateway's authorizer, which alone is no management credential", () => {
    expect(resolveManagementSettings({}, undefined, { role: "ops" }, gateway)).toEqual({
      role: "ops",
      authorize: gateway,
    });
    expect(resolveManagementSettings({}, undefined, undefined, gateway)).toBeUndefined();
    expect(
      resolveManagementSettings({ TESSERA_MANAGEMENT_OPEN: "true" }, undefined, undefined, undefined),
    ).toEqual({
      open: true,
    });
    expect(() =>
      resolveManagementSettings({ TESSERA_MANAGEMENT_OPEN: "1" }, undefined, undefined, undefined),
    ).toThrow('TESSERA_MANAGEMENT_OPEN: "1" is not true or false');
  });
});

describe("the example project outside dev", () => {
  it("refuses to start without management credentials, naming TESSERA_MANAGEMENT_TOKEN", async () => {
    const node = await exampleNode("prod");
    await expect(node.start()).rejects.toThrow(/Set TESSERA_MANAGEMENT_TOKEN/);
    await node.stop().catch(() => undefined);
  });

  it("starts with TESSERA_MANAGEMENT_TOKEN, asks for it, and refuses a private address unless TESSERA_EGRESS_CIDRS allows it", async () => {
    const node = await exampleNode("prod", { TESSERA_MANAGEMENT_TOKEN: TOKEN });
    await node.start();
    started.push(node);
    const client = testClient(createGateway(node));
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    const svc = { name: "billing", address: "http://10.1.2.3/charge", inputs: [], outputs: [] };
    expect((await client.post("/declared/services", svc)).status).toBe(401);
    const refused = await client.post("/declared/services", svc, auth);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain("10.1.2.3 is a private address");
    const allowing = await exampleNode("prod", {
      TESSERA_MANAGEMENT_TOKEN: TOKEN,
      TESSERA_EGRESS_CIDRS: "10.1.0.0/16",
    });
    await allowing.start();
    started.push(allowing);
    expect((await testClient(createGateway(allowing)).post("/declared/services", svc, auth)).status).toBe(
      201,
    );
  });

  it("the README's security.config.ts starts in prod and asks the management API's callers for a token", async () => {
    const project = await loadProject({
      config: "examples/guide/security.config.ts",
      stage: "prod",
      store: "memory",
      processEnv: {},
    });
    const node = await createProjectNode(project, silentLogger);
    await node.start();
    started.push(node);
    const res = await testClient(createGateway(node)).post("/s", {
      name: "billing",
      address: "http://10.20.1.1/x",
      inputs: [],
      outputs: [],
    });
    expect(res.status).toBe(401);
    expect((await testClient(createGateway(node)).get("/healthcheck")).status).toBe(204);
  });

  it("dev stays open and allows loopback (npm start, the README's curl lines)", async () => {
    const node = await exampleNode("dev");
    await node.start();
    started.push(node);
    const res = await testClient(createGateway(node)).post("/s", {
      name: "shout",
      address: "http://127.0.0.1:5001/shout",
      inputs: [],
      outputs: [],
    });
    expect(res.status).toBe(201);
  });
});
