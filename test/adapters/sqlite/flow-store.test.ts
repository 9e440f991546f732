import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll } from "vitest";
import { sqliteFlowStore } from "../../../src/adapters/sqlite/index.js";
import { type FlowStoreFactory, flowStoreContract } from "../../contract/flow-store-contract.js";
import { flowStoreFencingContract } from "../../contract/flow-store-fencing-contract.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-flow-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const factory: FlowStoreFactory = async () => {
  const file = join(dir, `flows-${++n}.db`);
  const store = sqliteFlowStore({ database: new Database(file), closeDatabase: true, synchronous: "NORMAL" });
  const twins: ReturnType<typeof sqliteFlowStore>[] = [];
  return {
    store,
    twin: async () => {
      const t = sqliteFlowStore({ database: new Database(file), closeDatabase: true, synchronous: "NORMAL" });
      twins.push(t);
      return t;
    },
    cleanup: async () => {
      for (const t of twins) await t.close();
      await store.close();
    },
  };
};
flowStoreContract("sqlite", factory);
flowStoreFencingContract("sqlite", factory);
