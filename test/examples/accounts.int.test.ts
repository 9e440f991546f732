import { afterAll } from "vitest";
import { postgresEventStore } from "../../src/adapters/postgres/index.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../support/postgres.js";
import { accountsSuite } from "./accounts-suite.js";

const up = await postgresAvailable();
const pool = newPool(20);
const schema = testSchema("accounts");
if (up) await dropSchema(pool, schema);
afterAll(async () => {
  if (up) await dropSchema(pool, schema);
  await pool.end();
});

// Each test opens its own accounts (random ids): one schema for the file is enough.
accountsSuite([["postgres", () => postgresEventStore({ pool, schema })]], !up);
