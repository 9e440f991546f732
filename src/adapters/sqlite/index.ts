export { SqliteEventStore, type SqliteEventStoreOptions, sqliteEventStore } from "./event-store.js";
