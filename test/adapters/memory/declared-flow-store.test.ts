import { memoryDeclaredFlowStore } from "../../../src/adapters/memory/index.js";
import { declaredFlowStoreContract } from "../../contract/declared-flow-store-contract.js";

declaredFlowStoreContract("memory", async () => {
  const store = memoryDeclaredFlowStore();
  return { store, cleanup: () => store.close() };
});
