import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll } from "vitest";
import { memoryEventStore } from "../../src/adapters/memory/index.js";
import { sqliteEventStore } from "../../src/adapters/sqlite/index.js";
import { accountsSuite } from "./accounts-suite.js";

const dir = mkdtempSync(join(tmpdir(), "tessera-accounts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

accountsSuite([
  ["memory", () => memoryEventStore()],
  [
    "sqlite",
    () => sqliteEventStore({ database: new Database(join(dir, `${Math.random()}.db`)), closeDatabase: true }),
  ],
]);
