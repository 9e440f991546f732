import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { embeddedAccounts } from "../../examples/accounts/embedded.js";
import { memoryEventStore, memoryTransport } from "../../src/adapters/memory/index.js";
import { sqliteEventStore } from "../../src/adapters/sqlite/index.js";
import { createNode, silentLogger } from "../../src/index.js";
import { accountsSuite } from "./accounts-suite.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-accounts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

accountsSuite([
  ["memory", () => memoryEventStore()],
  [
    "sqlite",
    () => sqliteEventStore({ database: new Database(join(dir, `${Math.random()}.db`)), closeDatabase: true }),
  ],
]);

describe("the embedded accounts of npm start", () => {
  it("keeps its events in a SQLite file and serves them again after a restart", async () => {
    const file = join(dir, "embedded", "accounts.db");
    const first = embeddedAccounts(file);
    const node = createNode({
      services: [first.service],
      transport: memoryTransport(),
      logger: silentLogger,
      plugins: [first.plugin],
    });
    await node.start();
    const { id } = await node.call(first.service.entries.post, { owner: "Ada" });
    await node.call(first.service.entries.deposit, { id, amount: 3 });
    await node.stop();
    await first.store.close();
    const again = embeddedAccounts(file);
    expect(await again.plugin.store.getDocument("accounts", id)).toEqual({
      id,
      owner: "Ada",
      balance: 3,
      version: 2,
    });
    await again.store.close();
  });
});
