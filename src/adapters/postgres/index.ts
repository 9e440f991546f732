export { PostgresEventStore, type PostgresEventStoreOptions, postgresEventStore } from "./event-store.js";
