import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll } from "vitest";
import { sqliteFlowStore } from "../../../src/adapters/sqlite/index.js";
import type { FlowStoreFactory } from "../../contract/flow-store-contract.js";
import { flowStorePruneContract } from "../../contract/flow-store-prune-contract.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-prune-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const factory: FlowStoreFactory = async () => {
  const file = join(dir, `flows-${++n}.db`);
  const open = () =>
    sqliteFlowStore({ database: new Database(file), closeDatabase: true, synchronous: "NORMAL" });
  const store = open();
  const twins: ReturnType<typeof sqliteFlowStore>[] = [];
  return {
    store,
    twin: async () => {
      const t = open();
      twins.push(t);
      return t;
    },
    cleanup: async () => {
      for (const t of twins) await t.close();
      await store.close();
    },
  };
};
flowStorePruneContract("sqlite", factory);
