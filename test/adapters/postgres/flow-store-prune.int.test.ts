import { afterAll, describe, expect, it } from "vitest";
import { pickSql } from "../../../src/adapters/postgres/flow-store-prune.js";
import { flowTables } from "../../../src/adapters/postgres/flow-store-schema.js";
import { postgresFlowStore } from "../../../src/adapters/postgres/index.js";
import type { FlowStoreFactory } from "../../contract/flow-store-contract.js";
import { flowStorePruneContract } from "../../contract/flow-store-prune-contract.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";

const up = await postgresAvailable();
const pool = newPool(8);
afterAll(() => pool.end());
let n = 0;

const factory: FlowStoreFactory = async () => {
  const schema = testSchema("flow_prune", ++n);
  await dropSchema(pool, schema);
  const store = postgresFlowStore({ pool, schema });
  return {
    store,
    twin: async () => postgresFlowStore({ pool, schema }),
    cleanup: async () => {
      await store.close();
      await dropSchema(pool, schema);
    },
  };
};
flowStorePruneContract("postgres", factory, !up);

describe.skipIf(!up)("PostgreSQL prune", () => {
  it("reads the finished runs by the index of migration 5, not by a scan of every run", async () => {
    const { store, cleanup } = await factory();
    await store.migrate();
    const client = await pool.connect();
    try {
      // An empty table is cheapest to scan: forbid the scan to see whether the index applies.
      await client.query("SET enable_seqscan = off");
      const { rows } = await client.query<{ "QUERY PLAN": string }>(
        `EXPLAIN ${pickSql(flowTables(testSchema("flow_prune", n)))}`,
        ["f", 1, "", 500],
      );
      expect(rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("flow_runs_finished");
    } finally {
      client.release();
      await cleanup();
    }
  });
});
