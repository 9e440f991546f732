export {
  SqliteDeclaredFlowStore,
  type SqliteDeclaredFlowStoreOptions,
  sqliteDeclaredFlowStore,
} from "./declared-flow-store.js";
export { SqliteEventStore, type SqliteEventStoreOptions, sqliteEventStore } from "./event-store.js";
export { SqliteFlowStore, type SqliteFlowStoreOptions, sqliteFlowStore } from "./flow-store.js";
export { SqliteInbox, type SqliteInboxOptions, sqliteInbox } from "./inbox-store.js";
