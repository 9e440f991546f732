import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sqliteDeclaredFlowStore } from "../../../src/adapters/sqlite/index.js";
import { declaredFlowStoreContract } from "../../contract/declared-flow-store-contract.js";

declaredFlowStoreContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tesserae-declared-"));
  const store = sqliteDeclaredFlowStore({ database: new Database(join(dir, "d.db")), closeDatabase: true });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
