import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { sqliteEventStore } from "../../src/adapters/sqlite/index.js";
import { eventSourcing } from "../../src/features/eventsourcing/index.js";
import { accountsService } from "./service.js";
import { accountView } from "./view.js";

/**
 * The accounts service on an embedded SQLite file (`.tesserae/accounts.db` by default): the service,
 * and the event-sourcing runtime to give the node as a plugin (outbox relay, async projections).
 */
export function embeddedAccounts(file = ".tesserae/accounts.db") {
  mkdirSync(dirname(file), { recursive: true });
  const store = sqliteEventStore({ database: new Database(file), closeDatabase: true });
  const es = eventSourcing({ store, projections: [accountView] });
  return { service: accountsService(es), plugin: es, store };
}
