import { afterAll } from "vitest";
import { postgresEventStore } from "../../../src/adapters/postgres/index.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";
import { sqlProjectionScenario } from "./sql-projection-scenario.js";

const up = await postgresAvailable();
const pool = newPool(10);
afterAll(() => pool.end());
let n = 0;

sqlProjectionScenario(
  "postgres",
  async () => {
    const schema = testSchema("sql_projection", ++n);
    await dropSchema(pool, schema);
    const store = postgresEventStore({ pool, schema });
    await store.migrate();
    return {
      store,
      table: (name) => `"${schema}".${name}`,
      cleanup: async () => {
        await store.close();
        await dropSchema(pool, schema);
      },
    };
  },
  !up,
);
