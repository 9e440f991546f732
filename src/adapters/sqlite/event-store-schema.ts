import type { Migration } from "../../ports/migration.js";
import { tablePrefix } from "./table-prefix.js";

/** Table names of the event store, all sharing one prefix (so that tests and apps can share a file). */
export interface EventStoreTables {
  readonly events: string;
  readonly snapshots: string;
  readonly checkpoints: string;
  readonly documents: string;
  readonly outbox: string;
  readonly leases: string;
  readonly migrations: string;
}

export function eventStoreTables(prefix: string): EventStoreTables {
  tablePrefix(prefix);
  return {
    events: `${prefix}events`,
    snapshots: `${prefix}snapshots`,
    checkpoints: `${prefix}checkpoints`,
    documents: `${prefix}documents`,
    outbox: `${prefix}outbox`,
    leases: `${prefix}leases`,
    migrations: `${prefix}migrations`,
  };
}

/**
 * The versioned migrations of the event store. Migration 1 is the schema the store created before
 * its migrations were versioned, with `IF NOT EXISTS`: a database created then takes it as applied.
 * `position` is the rowid: SQLite runs one write transaction at a time, so positions are handed out
 * in commit order and a reader never sees a later one before an earlier one. Never edit a released
 * migration: add the next one.
 */
export function eventStoreMigrations(t: EventStoreTables): readonly Migration[] {
  return [
    { version: 1, sql: schemaV1(t) },
    { version: 2, sql: leasesV2(t) },
  ];
}

/**
 * Migration 2: the leases of the projection runners (one runner per projection across the
 * processes of the file). `until` is in ms of the processes' clock: they share one machine.
 */
function leasesV2(t: EventStoreTables): string {
  return `CREATE TABLE IF NOT EXISTS ${t.leases} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until INTEGER NOT NULL);`;
}

function schemaV1(t: EventStoreTables): string {
  return `
CREATE TABLE IF NOT EXISTS ${t.events} (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  stream TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  schema INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (stream, version)
);
CREATE TABLE IF NOT EXISTS ${t.snapshots} (
  stream TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  schema INTEGER NOT NULL,
  state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ${t.checkpoints} (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ${t.documents} (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS ${t.outbox} (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  payload TEXT NOT NULL,
  headers TEXT,
  leased_until INTEGER NOT NULL DEFAULT 0
);`;
}
