export { MemoryDeclaredFlowStore, memoryDeclaredFlowStore } from "./declared-flow-store.js";
export { MemoryEventStore, type MemoryEventStoreOptions, memoryEventStore } from "./event-store.js";
export { memoryFlowStore } from "./flow-store.js";
export { memoryInbox } from "./inbox-store.js";
export { createMemoryBus, MemoryBus } from "./memory-bus.js";
export { type MemoryTransportOptions, memoryTransport } from "./memory-transport.js";
