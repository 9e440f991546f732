import { afterAll } from "vitest";
import { postgresEventStore } from "../../../src/adapters/postgres/index.js";
import { eventStoreContract, type StoreFactory } from "../../contract/event-store-contract.js";
import { eventStoreKeyedWritesContract } from "../../contract/event-store-keyed-writes-contract.js";
import { eventStoreLeaseContract } from "../../contract/event-store-lease-contract.js";
import { eventStoreQueryContract } from "../../contract/event-store-query-contract.js";
import { eventStoreSchemaContract } from "../../contract/event-store-schema-contract.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";

const up = await postgresAvailable();
const pool = newPool(20);
afterAll(() => pool.end());
let n = 0;

const factory: StoreFactory = async (options) => {
  const schema = testSchema("es_contract", ++n);
  await dropSchema(pool, schema);
  const store = postgresEventStore({ pool, schema, ...options });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropSchema(pool, schema);
    },
  };
};
eventStoreContract("postgres", factory, !up);
eventStoreLeaseContract("postgres", factory, !up);
eventStoreQueryContract("postgres", factory, !up);
eventStoreSchemaContract("postgres", factory, !up);
eventStoreKeyedWritesContract("postgres", factory, !up);
