import { memoryEventStore } from "../../../src/adapters/memory/index.js";
import { eventStoreContract, type StoreFactory } from "../../contract/event-store-contract.js";
import { eventStoreKeyedWritesContract } from "../../contract/event-store-keyed-writes-contract.js";
import { eventStoreLeaseContract } from "../../contract/event-store-lease-contract.js";
import { eventStoreQueryContract } from "../../contract/event-store-query-contract.js";
import { eventStoreSchemaContract } from "../../contract/event-store-schema-contract.js";

const factory: StoreFactory = async (options) => {
  const store = memoryEventStore(options);
  return { store, cleanup: () => store.close() };
};
eventStoreContract("memory", factory);
eventStoreLeaseContract("memory", factory);
eventStoreQueryContract("memory", factory);
eventStoreSchemaContract("memory", factory);
eventStoreKeyedWritesContract("memory", factory);
