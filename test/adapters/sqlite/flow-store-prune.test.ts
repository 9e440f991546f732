import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { pickSql } from "../../../src/adapters/sqlite/flow-store-prune.js";
import { flowTables } from "../../../src/adapters/sqlite/flow-store-schema.js";
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

describe("SQLite prune", () => {
  it("reads the finished runs by the index of migration 5, not by a scan of every run", async () => {
    const { store } = await factory();
    await store.migrate();
    const db = new Database(join(dir, `flows-${n}.db`));
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${pickSql(flowTables("tessera_flow_"))}`)
      .all({ flow: "f", t: 1, id: "", limit: 500 }) as { detail: string }[];
    db.close();
    await store.close();
    expect(plan.map((p) => p.detail).join("\n")).toMatch(
      /USING (COVERING )?INDEX tessera_flow_runs_finished/,
    );
  });
});
