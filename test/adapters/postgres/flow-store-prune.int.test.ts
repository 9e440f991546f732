import { afterAll } from "vitest";
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
