import { ident } from "./sql-ident.js";

/** The statements of the event store in one schema. */
export function eventStoreSql(schema: string) {
  const s = ident(schema);
  const insertEvents = (streamCte: string) => `
WITH s AS (${streamCte})
INSERT INTO ${s}.es_events (id, stream, version, type, data, schema, metadata)
SELECT e.id, $1, s.base + e.ord, e.type, e.data, e.schema, e.metadata
FROM s, unnest($3::uuid[], $4::text[], $5::jsonb[], $6::int[], $7::jsonb[])
  WITH ORDINALITY AS e(id, type, data, schema, metadata, ord)
RETURNING version, recorded_at`;
  return {
    // One statement per append: the stream row is the per-stream lock and the version check.
    appendNew: insertEvents(
      `INSERT INTO ${s}.es_streams (stream, version) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 0::bigint AS base`,
    ),
    appendAt: insertEvents(
      `UPDATE ${s}.es_streams SET version = version + $2 WHERE stream = $1 AND version = $8 RETURNING version - $2 AS base`,
    ),
    appendAny: insertEvents(
      `INSERT INTO ${s}.es_streams (stream, version) VALUES ($1, $2)
       ON CONFLICT (stream) DO UPDATE SET version = ${s}.es_streams.version + $2 RETURNING version - $2 AS base`,
    ),
    // Group commit: many appends (distinct streams, expected versions ≥ 0) in one statement.
    appendGroup: `
WITH input AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[]) AS i(stream, expected, n)),
upd AS (
  UPDATE ${s}.es_streams st SET version = st.version + i.n FROM input i
  WHERE i.expected > 0 AND st.stream = i.stream AND st.version = i.expected
  RETURNING st.stream, st.version - i.n AS base),
ins AS (
  INSERT INTO ${s}.es_streams (stream, version) SELECT stream, n FROM input WHERE expected = 0
  ON CONFLICT DO NOTHING RETURNING stream, 0::bigint AS base),
ok AS (SELECT stream, base FROM upd UNION ALL SELECT stream, base FROM ins),
ev AS (
  INSERT INTO ${s}.es_events (id, stream, version, type, data, schema, metadata)
  SELECT e.id, e.stream, ok.base + e.ord, e.type, e.data, e.schema, e.metadata
  FROM unnest($4::text[], $5::uuid[], $6::int[], $7::text[], $8::jsonb[], $9::int[], $10::jsonb[])
    WITH ORDINALITY AS e(stream, id, ord, type, data, schema, metadata, k)
  JOIN ok ON ok.stream = e.stream
  ORDER BY e.k
  RETURNING stream, version, recorded_at)
SELECT stream, max(version) AS version, min(recorded_at) AS recorded_at FROM ev GROUP BY stream`,
    versions: `SELECT stream, version FROM ${s}.es_streams WHERE stream = ANY($1::text[])`,
    version: `SELECT version FROM ${s}.es_streams WHERE stream = $1`,
    sequence: `SELECT ${s}.es_sequence($1) AS head`,
    // With the events the sequencer has not numbered yet: read-your-writes on a stream.
    readStream: `SELECT * FROM ${s}.es_events WHERE stream = $1 AND version > $2 ORDER BY version LIMIT $3`,
    readAll: `SELECT * FROM ${s}.es_events WHERE position > $1 ORDER BY position LIMIT $2`,
    streams: `SELECT stream FROM ${s}.es_streams WHERE stream >= $1 AND stream < $2 AND stream > $3 ORDER BY stream LIMIT $4`,
    loadSnapshot: `SELECT version, schema, state FROM ${s}.es_snapshots WHERE stream = $1`,
    saveSnapshot: `INSERT INTO ${s}.es_snapshots (stream, version, schema, state) VALUES ($1, $2, $3, $4)
      ON CONFLICT (stream) DO UPDATE SET version = excluded.version, schema = excluded.schema, state = excluded.state`,
    loadCheckpoint: `SELECT position FROM ${s}.es_checkpoints WHERE name = $1`,
    ensureCheckpoint: `INSERT INTO ${s}.es_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT DO NOTHING`,
    moveCheckpoint: `UPDATE ${s}.es_checkpoints SET position = $2 WHERE name = $1 AND position = $3 RETURNING 1`,
    saveCheckpoint: `INSERT INTO ${s}.es_checkpoints (name, position) VALUES ($1, $2)
      ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
    getDocs: `SELECT id, doc FROM ${s}.es_documents WHERE collection = $1 AND id = ANY($2::text[])`,
    getDoc: `SELECT doc FROM ${s}.es_documents WHERE collection = $1 AND id = $2`,
    putDoc: `INSERT INTO ${s}.es_documents (collection, id, doc) VALUES ($1, $2, $3)
      ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc`,
    // Upserts of distinct (collection, id) pairs: the caller sends each document once.
    putDocs: `INSERT INTO ${s}.es_documents (collection, id, doc)
      SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
      ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc`,
    deleteDocs: `DELETE FROM ${s}.es_documents d USING unnest($1::text[], $2::text[]) AS x(collection, id)
      WHERE d.collection = x.collection AND d.id = x.id`,
    deleteDoc: `DELETE FROM ${s}.es_documents WHERE collection = $1 AND id = $2`,
    clearDocs: `DELETE FROM ${s}.es_documents WHERE collection = $1`,
    findDocs: `SELECT id, doc FROM ${s}.es_documents WHERE collection = $1 AND id > $2 ORDER BY id LIMIT $3`,
    enqueue: `INSERT INTO ${s}.es_outbox (id, name, payload, headers)
      SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[])`,
    claim: `UPDATE ${s}.es_outbox SET leased_until = clock_timestamp() + $2 * interval '1 millisecond'
      WHERE seq IN (SELECT seq FROM ${s}.es_outbox WHERE leased_until <= clock_timestamp()
                    ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING seq, id, name, payload, headers`,
    ack: `DELETE FROM ${s}.es_outbox WHERE id = ANY($1::text[])`,
    outboxSize: `SELECT count(*)::int AS n FROM ${s}.es_outbox`,
    // Takes a free or ended lease, or renews ours, in one statement: a concurrent attempt waits for
    // the row and sees the winner's holder. "previous" is read before (for the takeover's log line).
    acquireLease: `
WITH before AS (SELECT holder FROM ${s}.es_leases WHERE name = $1),
taken AS (
  INSERT INTO ${s}.es_leases (name, holder, until)
  VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
  ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
  WHERE ${s}.es_leases.holder = excluded.holder OR ${s}.es_leases.until <= clock_timestamp()
  RETURNING holder)
SELECT (SELECT holder FROM taken) AS taken, (SELECT holder FROM before) AS previous`,
    leaseHolder: `SELECT holder FROM ${s}.es_leases WHERE name = $1`,
    releaseLease: `UPDATE ${s}.es_leases SET until = '-infinity' WHERE name = $1 AND holder = $2`,
  };
}

export type EventStoreSql = ReturnType<typeof eventStoreSql>;
