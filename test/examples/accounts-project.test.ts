import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { createGateway, silentLogger } from "../../src/index.js";
import { testClient } from "../../src/testing/index.js";

// The example project as `npm start` runs it: the accounts service on the stage's store (SQLite here).

const dir = mkdtempSync(join(tmpdir(), "tesserae-accounts-project-"));
const saved = { ...process.env };
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("the example project's accounts", () => {
  it("serves POST /accounts, deposits and the read model on the stage's SQLite store, across a restart", async () => {
    const store = `sqlite:${join(dir, "dev.db")}`;
    const project = await loadProject({ config: "examples/text/tesserae.config.ts", store, processEnv: {} });
    const node = await createProjectNode(project, silentLogger);
    await node.start();
    const client = testClient(createGateway(node));
    const { id } = (await client.post("/accounts", { owner: "Ada" })).body as { id: string };
    await Promise.all(
      Array.from({ length: 10 }, () => client.post(`/accounts/${id}/deposit`, { amount: 1 })),
    );
    expect((await client.get(`/accounts/${id}`)).body).toEqual({
      id,
      owner: "Ada",
      balance: 10,
      version: 11,
    });
    await node.stop();

    const again = await createProjectNode(
      await loadProject({ config: "examples/text/tesserae.config.ts", store, processEnv: {} }),
      silentLogger,
    );
    await again.start();
    const res = await testClient(createGateway(again)).post(`/accounts/${id}/withdraw`, { amount: 11 });
    expect(res.status).toBe(409);
    await again.stop();
  });

  it("a deposit retried with its Idempotency-Key after a restart is applied once: the inbox is in the stage's store", async () => {
    const store = `sqlite:${join(dir, "inbox.db")}`;
    const open = async () => {
      const project = await loadProject({
        config: "examples/text/tesserae.config.ts",
        store,
        processEnv: {},
      });
      const node = await createProjectNode(project, silentLogger);
      await node.start();
      expect(node.inbox.kind).toBe("sqlite");
      return { node, client: testClient(createGateway(node)) };
    };
    const first = await open();
    const { id } = (await first.client.post("/accounts", { owner: "Ada" })).body as { id: string };
    const key = { headers: { "idempotency-key": "dep-1" } };
    const answer = await first.client.post(`/accounts/${id}/deposit`, { amount: 5 }, key);
    await first.node.stop();

    const second = await open();
    expect((await second.client.post(`/accounts/${id}/deposit`, { amount: 5 }, key)).body).toEqual(
      answer.body,
    );
    expect((await second.client.get(`/accounts/${id}`)).body).toMatchObject({ balance: 5, version: 2 });
    await second.node.stop();
  });
});
