import type { Migration } from "../../ports/migration.js";
import { ident } from "./sql-ident.js";

/** Qualified table names of the flow store in its schema. */
export interface FlowTables {
  readonly schema: string;
  readonly runs: string;
  readonly journal: string;
  readonly signals: string;
  readonly migrations: string;
}

export function flowTables(schema: string): FlowTables {
  const s = ident(schema);
  return {
    schema: s,
    runs: `${s}.flow_runs`,
    journal: `${s}.flow_journal`,
    signals: `${s}.flow_signals`,
    migrations: `${s}.flow_migrations`,
  };
}

/**
 * The versioned migrations of the flow store, applied in order once each under an advisory lock
 * (many workers may start at once). Never edit a released migration: add the next one.
 */
export function flowMigrations(t: FlowTables): readonly Migration[] {
  return [
    {
      version: 1,
      sql: `
CREATE TABLE IF NOT EXISTS ${t.runs} (
  id text PRIMARY KEY,
  flow text NOT NULL,
  version text NOT NULL,
  status text NOT NULL,
  input text,
  output text,
  error text,
  idempotency_key text,
  callback_url text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  due_at bigint,
  owner text,
  lease_until bigint,
  waiting_for text,
  cancel_requested boolean NOT NULL DEFAULT false,
  signal_count int NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS flow_runs_key ON ${t.runs} (flow, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS flow_runs_due ON ${t.runs} (due_at) WHERE owner IS NULL AND due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS flow_runs_lease ON ${t.runs} (lease_until) WHERE owner IS NOT NULL;
CREATE TABLE IF NOT EXISTS ${t.journal} (
  run_id text NOT NULL,
  seq int NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  state text NOT NULL,
  value text,
  at bigint NOT NULL,
  PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS ${t.signals} (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL,
  name text NOT NULL,
  payload text,
  at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS flow_signals_run ON ${t.signals} (run_id, id);`,
    },
    {
      // Where each effect is in the code (parallel branches replay by position, not by seq).
      version: 2,
      sql: `ALTER TABLE ${t.journal} ADD COLUMN IF NOT EXISTS position text;`,
    },
    {
      version: 3,
      sql: `ALTER TABLE ${t.runs} ADD COLUMN IF NOT EXISTS origin text;`,
    },
    {
      // Fencing of effects (issue 19): the lease generation, one more at every claim, carried by
      // every effect; and the takeovers in a row without progress (a run that freezes its workers).
      version: 4,
      sql: `ALTER TABLE ${t.runs} ADD COLUMN IF NOT EXISTS fencing_token bigint NOT NULL DEFAULT 0;
ALTER TABLE ${t.runs} ADD COLUMN IF NOT EXISTS takeovers int NOT NULL DEFAULT 0;`,
    },
    {
      // Retention (issue 19): finished runs by flow and end, what a prune reads (its WHERE repeats
      // this predicate word for word, so that the planner takes the index).
      version: 5,
      sql: `CREATE INDEX IF NOT EXISTS flow_runs_finished ON ${t.runs} (flow, updated_at, id)
  WHERE status IN ('completed', 'failed', 'compensated', 'cancelled');`,
    },
  ];
}
