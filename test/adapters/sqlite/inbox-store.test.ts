import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll } from "vitest";
import { sqliteInbox } from "../../../src/adapters/sqlite/index.js";
import { inboxStoreContract } from "../../contract/inbox-store-contract.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-inbox-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

inboxStoreContract("sqlite", async () => {
  const inbox = sqliteInbox({ database: new Database(join(dir, `inbox-${++n}.db`)), closeDatabase: true });
  return { inbox, cleanup: () => inbox.close() };
});
