import { memoryEventStore } from "../../../src/adapters/memory/index.js";
import { eventStoreContract } from "../../contract/event-store-contract.js";

eventStoreContract("memory", async (options) => {
  const store = memoryEventStore(options);
  return { store, cleanup: () => store.close() };
});
