import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { type FlowStoreFactory, flowStoreContract } from "../../contract/flow-store-contract.js";
import { flowStoreFencingContract } from "../../contract/flow-store-fencing-contract.js";

const factory: FlowStoreFactory = async () => ({ store: memoryFlowStore(), cleanup: async () => undefined });
flowStoreContract("memory", factory);
flowStoreFencingContract("memory", factory);
