import type { Migration } from "../../ports/migration.js";
import { tablePrefix } from "./table-prefix.js";

/** Table names of the flow store, sharing one prefix (tests and apps may share a database file). */
export interface FlowTables {
  readonly runs: string;
  readonly journal: string;
  readonly signals: string;
  readonly migrations: string;
}

export function flowTables(prefix: string): FlowTables {
  tablePrefix(prefix);
  return {
    runs: `${prefix}runs`,
    journal: `${prefix}journal`,
    signals: `${prefix}signals`,
    migrations: `${prefix}migrations`,
  };
}

/**
 * The versioned migrations of the flow store, applied in order once each (the applied versions are
 * kept in the migrations table). Never edit a released migration: add the next one.
 */
export function flowMigrations(t: FlowTables): readonly Migration[] {
  return [
    {
      version: 1,
      sql: `
CREATE TABLE IF NOT EXISTS ${t.runs} (
  id TEXT PRIMARY KEY,
  flow TEXT NOT NULL,
  version TEXT NOT NULL,
  status TEXT NOT NULL,
  input TEXT,
  output TEXT,
  error TEXT,
  idempotency_key TEXT,
  callback_url TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  due_at INTEGER,
  owner TEXT,
  lease_until INTEGER,
  waiting_for TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  signal_count INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS ${t.runs}_key ON ${t.runs} (flow, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${t.runs}_due ON ${t.runs} (due_at) WHERE owner IS NULL AND due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${t.runs}_lease ON ${t.runs} (lease_until) WHERE owner IS NOT NULL;
CREATE TABLE IF NOT EXISTS ${t.journal} (
  run_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  value TEXT,
  at INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${t.signals} (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  name TEXT NOT NULL,
  payload TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ${t.signals}_run ON ${t.signals} (run_id, id);`,
    },
    {
      // Where each effect is in the code (parallel branches replay by position, not by seq).
      version: 2,
      sql: `ALTER TABLE ${t.journal} ADD COLUMN position TEXT;`,
    },
    {
      version: 3,
      sql: `ALTER TABLE ${t.runs} ADD COLUMN origin TEXT;`,
    },
    {
      // Fencing of effects (issue 19): the lease generation, one more at every claim, carried by
      // every effect; and the takeovers in a row without progress (a run that freezes its workers).
      version: 4,
      sql: `ALTER TABLE ${t.runs} ADD COLUMN fencing_token INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ${t.runs} ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0;`,
    },
    {
      // Retention (issue 19): finished runs by flow and end, what a prune reads (its WHERE repeats
      // this predicate word for word, so that the planner takes the index).
      version: 5,
      sql: `CREATE INDEX IF NOT EXISTS ${t.runs}_finished ON ${t.runs} (flow, updated_at, id)
  WHERE status IN ('completed', 'failed', 'compensated', 'cancelled');`,
    },
  ];
}
