import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll } from "vitest";
import { sqliteEventStore } from "../../../src/adapters/sqlite/index.js";
import { eventStoreContract, type StoreFactory } from "../../contract/event-store-contract.js";
import { eventStoreKeyedWritesContract } from "../../contract/event-store-keyed-writes-contract.js";
import { eventStoreLeaseContract } from "../../contract/event-store-lease-contract.js";
import { eventStoreQueryContract } from "../../contract/event-store-query-contract.js";
import { eventStoreSchemaContract } from "../../contract/event-store-schema-contract.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-es-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const factory: StoreFactory = async (options) => {
  const database = new Database(join(dir, `store-${++n}.db`));
  const store = sqliteEventStore({ database, closeDatabase: true, ...options });
  return { store, cleanup: () => store.close() };
};
eventStoreContract("sqlite", factory);
eventStoreLeaseContract("sqlite", factory);
eventStoreQueryContract("sqlite", factory);
eventStoreSchemaContract("sqlite", factory);
eventStoreKeyedWritesContract("sqlite", factory);
