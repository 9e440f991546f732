import { afterAll } from "vitest";
import { postgresFlowStore } from "../../../src/adapters/postgres/index.js";
import { type FlowStoreFactory, flowStoreContract } from "../../contract/flow-store-contract.js";
import { flowStoreFencingContract } from "../../contract/flow-store-fencing-contract.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";

const up = await postgresAvailable();
const pool = newPool(12);
afterAll(() => pool.end());
let n = 0;

const factory: FlowStoreFactory = async () => {
  const schema = testSchema("flow_contract", ++n);
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
flowStoreContract("postgres", factory, !up);
flowStoreFencingContract("postgres", factory, !up);
