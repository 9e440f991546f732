import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import type { FlowStoreFactory } from "../../contract/flow-store-contract.js";
import { flowStorePruneContract } from "../../contract/flow-store-prune-contract.js";

const factory: FlowStoreFactory = async () => ({ store: memoryFlowStore(), cleanup: async () => undefined });
flowStorePruneContract("memory", factory);
