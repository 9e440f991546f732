export {
  PostgresDeclaredFlowStore,
  type PostgresDeclaredFlowStoreOptions,
  postgresDeclaredFlowStore,
} from "./declared-flow-store.js";
export { PostgresEventStore, type PostgresEventStoreOptions, postgresEventStore } from "./event-store.js";
export { PostgresFlowStore, type PostgresFlowStoreOptions, postgresFlowStore } from "./flow-store.js";
export { PostgresInbox, type PostgresInboxOptions, postgresInbox } from "./inbox-store.js";
