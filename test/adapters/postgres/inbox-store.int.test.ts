import { afterAll } from "vitest";
import { postgresInbox } from "../../../src/adapters/postgres/index.js";
import { inboxStoreContract } from "../../contract/inbox-store-contract.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";

const up = await postgresAvailable();
const pool = newPool(20);
afterAll(() => pool.end());
let n = 0;

inboxStoreContract(
  "postgres",
  async () => {
    const schema = testSchema("inbox_contract", ++n);
    await dropSchema(pool, schema);
    const inbox = postgresInbox({ pool, schema });
    return { inbox, cleanup: () => dropSchema(pool, schema) };
  },
  !up,
);
