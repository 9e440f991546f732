import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { flowStoreContract } from "../../contract/flow-store-contract.js";

flowStoreContract("memory", async () => ({ store: memoryFlowStore(), cleanup: async () => undefined }));
