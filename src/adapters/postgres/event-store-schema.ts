import type { Migration } from "../../ports/migration.js";
import { ident } from "./sql-ident.js";

/** The migrations table of the event store in `schema`. */
export function eventStoreMigrationsTable(schema: string): string {
  return `${ident(schema)}.es_migrations`;
}

/**
 * The versioned migrations of the event store. Migration 1 is the schema the store created before
 * its migrations were versioned, with `IF NOT EXISTS`: a database created then takes it as applied.
 * Never edit a released migration: add the next one.
 */
export function eventStoreMigrations(schema: string): readonly Migration[] {
  return [
    { version: 1, sql: schemaV1(schema) },
    { version: 2, sql: leasesV2(schema) },
  ];
}

/**
 * Migration 2: the leases of the projection runners (one runner per projection across the nodes).
 * `until` is read and written with PostgreSQL's clock only (`clock_timestamp()`), never a node's:
 * the nodes' clocks may differ, the database's is one.
 */
function leasesV2(schema: string): string {
  const s = ident(schema);
  return `
CREATE TABLE IF NOT EXISTS ${s}.es_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  until timestamptz NOT NULL
);`;
}

/**
 * The schema of the event store. Writers insert events without a position; the sequencer
 * (`es_sequence`) numbers committed events, one sequencer transaction at a time, in the order it
 * finds them. A position thus becomes visible only after every smaller one, whatever order the
 * writers' transactions commit in, and writers of different streams never wait for each other.
 */
function schemaV1(schema: string): string {
  const s = ident(schema);
  return `
CREATE TABLE IF NOT EXISTS ${s}.es_streams (
  stream text COLLATE "C" PRIMARY KEY,
  version bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.es_events (
  seq bigserial PRIMARY KEY,
  position bigint UNIQUE,
  id uuid NOT NULL UNIQUE,
  stream text COLLATE "C" NOT NULL,
  version bigint NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  schema int NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (stream, version)
);
CREATE INDEX IF NOT EXISTS es_events_unsequenced ON ${s}.es_events (seq) WHERE position IS NULL;
CREATE TABLE IF NOT EXISTS ${s}.es_head (
  id int PRIMARY KEY CHECK (id = 1),
  position bigint NOT NULL
);
INSERT INTO ${s}.es_head (id, position) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ${s}.es_snapshots (
  stream text PRIMARY KEY,
  version bigint NOT NULL,
  schema int NOT NULL,
  state jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.es_checkpoints (name text PRIMARY KEY, position bigint NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.es_documents (
  collection text NOT NULL,
  id text COLLATE "C" NOT NULL,
  doc jsonb NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS ${s}.es_outbox (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  name text NOT NULL,
  payload jsonb NOT NULL,
  headers jsonb,
  leased_until timestamptz NOT NULL DEFAULT '-infinity'
);
CREATE OR REPLACE FUNCTION ${s}.es_sequence(max_rows int) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  head bigint;
  n bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM ${s}.es_events WHERE position IS NULL) THEN
    RETURN (SELECT position FROM ${s}.es_head WHERE id = 1);
  END IF;
  -- One sequencer at a time: the next one waits here, then reads this one's head.
  SELECT position INTO head FROM ${s}.es_head WHERE id = 1 FOR UPDATE;
  WITH pending AS (
    SELECT seq, row_number() OVER (ORDER BY seq) AS rn
    FROM ${s}.es_events WHERE position IS NULL ORDER BY seq LIMIT max_rows
  )
  UPDATE ${s}.es_events e SET position = head + p.rn FROM pending p WHERE e.seq = p.seq;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    UPDATE ${s}.es_head SET position = head + n WHERE id = 1;
  END IF;
  RETURN head + n;
END
$fn$;`;
}
