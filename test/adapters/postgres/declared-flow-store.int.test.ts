import { afterAll } from "vitest";
import { postgresDeclaredFlowStore } from "../../../src/adapters/postgres/index.js";
import { declaredFlowStoreContract } from "../../contract/declared-flow-store-contract.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";

const up = await postgresAvailable();
const pool = newPool(8);
afterAll(() => pool.end());
let n = 0;

declaredFlowStoreContract(
  "postgres",
  async () => {
    const schema = testSchema("declared_contract", ++n);
    await dropSchema(pool, schema);
    const store = postgresDeclaredFlowStore({ pool, schema });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(pool, schema);
      },
    };
  },
  !up,
);
