import type { Database, Statement } from "better-sqlite3";
import type { EventStoreTables } from "./event-store-schema.js";

type EventStoreStatement =
  | "version"
  | "insert"
  | "readStream"
  | "readAll"
  | "head"
  | "streams"
  | "loadSnapshot"
  | "saveSnapshot"
  | "loadCheckpoint"
  | "saveCheckpoint"
  | "getDoc"
  | "putDoc"
  | "deleteDoc"
  | "clearDocs"
  | "findDocs"
  | "enqueue"
  | "claim"
  | "ack"
  | "outboxSize"
  | "lease"
  | "takeLease"
  | "releaseLease";

/** The prepared statements of one event store, by name. */
export type EventStoreStatements = Readonly<Record<EventStoreStatement, Statement>>;

/** Prepares the statements of one event store, on its tables (migrated first). */
export function eventStoreStatements(db: Database, t: EventStoreTables): EventStoreStatements {
  return {
    version: db.prepare(`SELECT coalesce(max(version), 0) AS v FROM ${t.events} WHERE stream = ?`).pluck(),
    insert: db.prepare(
      `INSERT INTO ${t.events} (id, stream, version, type, data, schema, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    readStream: db.prepare(
      `SELECT * FROM ${t.events} WHERE stream = ? AND version > ? ORDER BY version LIMIT ?`,
    ),
    readAll: db.prepare(`SELECT * FROM ${t.events} WHERE position > ? ORDER BY position LIMIT ?`),
    head: db.prepare(`SELECT coalesce(max(position), 0) FROM ${t.events}`).pluck(),
    streams: db
      .prepare(
        `SELECT DISTINCT stream FROM ${t.events} WHERE stream >= ? AND stream < ? AND stream > ? ORDER BY stream LIMIT ?`,
      )
      .pluck(),
    loadSnapshot: db.prepare(`SELECT version, schema, state FROM ${t.snapshots} WHERE stream = ?`),
    saveSnapshot: db.prepare(
      `INSERT INTO ${t.snapshots} (stream, version, schema, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET version = excluded.version, schema = excluded.schema, state = excluded.state`,
    ),
    loadCheckpoint: db.prepare(`SELECT position FROM ${t.checkpoints} WHERE name = ?`).pluck(),
    saveCheckpoint: db.prepare(
      `INSERT INTO ${t.checkpoints} (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
    ),
    getDoc: db.prepare(`SELECT doc FROM ${t.documents} WHERE collection = ? AND id = ?`).pluck(),
    putDoc: db.prepare(
      `INSERT INTO ${t.documents} (collection, id, doc) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc`,
    ),
    deleteDoc: db.prepare(`DELETE FROM ${t.documents} WHERE collection = ? AND id = ?`),
    clearDocs: db.prepare(`DELETE FROM ${t.documents} WHERE collection = ?`),
    findDocs: db.prepare(
      `SELECT id, doc FROM ${t.documents} WHERE collection = ? AND id > ? ORDER BY id LIMIT ?`,
    ),
    enqueue: db.prepare(`INSERT INTO ${t.outbox} (id, name, payload, headers) VALUES (?, ?, ?, ?)`),
    claim: db.prepare(
      `UPDATE ${t.outbox} SET leased_until = ? WHERE seq IN
         (SELECT seq FROM ${t.outbox} WHERE leased_until <= ? ORDER BY seq LIMIT ?)
       RETURNING seq, id, name, payload, headers`,
    ),
    ack: db.prepare(`DELETE FROM ${t.outbox} WHERE id = ?`),
    outboxSize: db.prepare(`SELECT count(*) FROM ${t.outbox}`).pluck(),
    lease: db.prepare(`SELECT holder, until FROM ${t.leases} WHERE name = ?`),
    takeLease: db.prepare(
      `INSERT INTO ${t.leases} (name, holder, until) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until`,
    ),
    releaseLease: db.prepare(`UPDATE ${t.leases} SET until = 0 WHERE name = ? AND holder = ?`),
  };
}
