import { randomUUID } from "node:crypto";
import type { Database } from "better-sqlite3";
import { TesseraError } from "../../core/errors.js";
import type {
  AppendOptions,
  AppendResult,
  DocumentWrite,
  EventStore,
  EventStoreTransaction,
  EventSubscription,
  FindDocumentsOptions,
  NewEvent,
  OutboxMessage,
  RecordedEvent,
  Snapshot,
  StoredEvent,
  SubscribeOptions,
  Upcaster,
} from "../../ports/event-store.js";
import {
  assertEventIds,
  assertExpectedVersion,
  checkExpectedVersion,
} from "../../ports/event-store-conflict.js";
import { pollingSubscription } from "../../ports/polling-subscription.js";
import { indexUpcasters, type UpcasterIndex, upcast } from "../../ports/upcast.js";
import { type EventRow, eventOfRow, prefixEnd } from "./event-store-rows.js";
import { eventStoreSchema, eventStoreTables } from "./event-store-schema.js";

export interface SqliteEventStoreOptions {
  /** An open better-sqlite3 database (`new Database(".tesserae/app.db")`); the store does not own it unless `closeDatabase`. */
  readonly database: Database;
  /** Prefix of the store's tables (default `tessera_es_`). */
  readonly prefix?: string;
  readonly upcasters?: readonly Upcaster[];
  /** Close the database in `close()` (default false). */
  readonly closeDatabase?: boolean;
}

const json = (value: unknown) => JSON.stringify(value ?? null);

/** The prepared statements of one store. */
function statements(db: Database, prefix: string) {
  const t = eventStoreTables(prefix);
  db.exec(eventStoreSchema(t));
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
  };
}

type Statements = ReturnType<typeof statements>;

/** The writes of one transaction: plain synchronous statements, the transaction is open around them. */
class SqliteTransaction implements EventStoreTransaction {
  constructor(private readonly s: Statements) {}

  async append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    return appendNow(this.s, stream, events, options);
  }
  async getDocument<T>(collection: string, id: string): Promise<T | undefined> {
    const doc = this.s.getDoc.get(collection, id) as string | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as T);
  }
  async getDocuments<T>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    for (const id of ids) {
      const doc = this.s.getDoc.get(collection, id) as string | undefined;
      if (doc !== undefined) found.set(id, JSON.parse(doc) as T);
    }
    return found;
  }
  async putDocument(collection: string, id: string, doc: unknown): Promise<void> {
    this.s.putDoc.run(collection, id, json(doc));
  }
  async deleteDocument(collection: string, id: string): Promise<void> {
    this.s.deleteDoc.run(collection, id);
  }
  async writeDocuments(writes: readonly DocumentWrite[]): Promise<void> {
    for (const w of writes) {
      if (w.doc === undefined) this.s.deleteDoc.run(w.collection, w.id);
      else this.s.putDoc.run(w.collection, w.id, json(w.doc));
    }
  }
  async clearCollection(collection: string): Promise<void> {
    this.s.clearDocs.run(collection);
  }
  async saveCheckpoint(name: string, position: number, expected?: number): Promise<void> {
    const current = (this.s.loadCheckpoint.get(name) as number | undefined) ?? 0;
    if (expected !== undefined && current !== expected) {
      throw TesseraError.conflict(`checkpoint ${name} is at ${current}, expected ${expected}`, { current });
    }
    this.s.saveCheckpoint.run(name, position);
  }
  async loadCheckpoint(name: string): Promise<number> {
    return (this.s.loadCheckpoint.get(name) as number | undefined) ?? 0;
  }
  async enqueue(messages: readonly OutboxMessage[]): Promise<void> {
    for (const m of messages) {
      this.s.enqueue.run(m.id, m.name, json(m.payload), m.headers === undefined ? null : json(m.headers));
    }
  }
  async saveSnapshot(stream: string, snapshot: Snapshot): Promise<void> {
    this.s.saveSnapshot.run(stream, snapshot.version, snapshot.schema, json(snapshot.state));
  }
}

function appendNow(
  s: Statements,
  stream: string,
  events: readonly NewEvent[],
  options: AppendOptions = {},
): AppendResult {
  const expected = options.expectedVersion ?? "any";
  assertExpectedVersion(expected);
  assertEventIds(events);
  const current = s.version.get(stream) as number;
  checkExpectedVersion(stream, expected, current);
  const recordedAt = new Date();
  const stored = events.map((e, i): StoredEvent => {
    const event: StoredEvent = {
      id: e.id ?? randomUUID(),
      stream,
      version: current + i + 1,
      type: e.type,
      data: e.data,
      schema: e.schema ?? 1,
      metadata: e.metadata ?? {},
      recordedAt,
    };
    s.insert.run(
      event.id,
      stream,
      event.version,
      event.type,
      json(event.data),
      event.schema,
      json(event.metadata),
      recordedAt.getTime(),
    );
    return event;
  });
  return { stream, version: current + stored.length, events: stored };
}

/**
 * The event store on SQLite (better-sqlite3): one file, several processes (WAL). Operations of one
 * store run one at a time on its connection; a transaction is `BEGIN IMMEDIATE`, so writers of
 * other processes wait (busy timeout) rather than fail.
 *
 * @example
 * const store = sqliteEventStore({ database: new Database(".tesserae/accounts.db") });
 */
export class SqliteEventStore implements EventStore {
  readonly kind = "sqlite";
  private readonly s: Statements;
  private readonly upcasters: UpcasterIndex;
  private readonly listeners = new Set<() => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: SqliteEventStoreOptions) {
    const db = options.database;
    if (!db.memory) db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    this.s = statements(db, options.prefix ?? "tessera_es_");
    this.upcasters = indexUpcasters(options.upcasters);
  }

  /** Runs `fn` once every earlier operation of this store has finished. */
  private serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw TesseraError.unavailable("the event store is closed");
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    return this.serial(() => {
      const result = this.options.database
        .transaction(() => appendNow(this.s, stream, events, options))
        .immediate();
      this.notify();
      return result;
    });
  }

  transaction<T>(work: (tx: EventStoreTransaction) => Promise<T>): Promise<T> {
    const db = this.options.database;
    return this.serial(async () => {
      db.exec("BEGIN IMMEDIATE");
      try {
        const result = await work(new SqliteTransaction(this.s));
        db.exec("COMMIT");
        this.notify();
        return result;
      } catch (err) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw err;
      }
    });
  }

  private events(rows: unknown[]): RecordedEvent[] {
    return (rows as EventRow[]).map((r) => upcast(eventOfRow(r), this.upcasters));
  }

  readStream(stream: string, options: { after?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    return this.serial(() =>
      this.events(this.s.readStream.all(stream, options.after ?? 0, options.limit ?? -1)),
    );
  }

  readAll(options: { after?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    return this.serial(() => this.events(this.s.readAll.all(options.after ?? 0, options.limit ?? -1)));
  }

  headPosition(): Promise<number> {
    return this.serial(() => this.s.head.get() as number);
  }

  streamVersion(stream: string): Promise<number> {
    return this.serial(() => this.s.version.get(stream) as number);
  }

  listStreams(prefix: string, options: { after?: string; limit?: number } = {}): Promise<string[]> {
    return this.serial(
      () =>
        this.s.streams.all(prefix, prefixEnd(prefix), options.after ?? "", options.limit ?? -1) as string[],
    );
  }

  subscribe(options: SubscribeOptions): EventSubscription {
    return pollingSubscription(
      {
        readAll: (after, limit) => this.readAll({ after, limit }),
        headPosition: () => this.headPosition(),
        onAppend: (listener) => {
          this.listeners.add(listener);
          return () => this.listeners.delete(listener);
        },
      },
      options,
    );
  }

  loadSnapshot<S>(stream: string): Promise<Snapshot<S> | undefined> {
    return this.serial(() => {
      const row = this.s.loadSnapshot.get(stream) as
        | { version: number; schema: number; state: string }
        | undefined;
      return row === undefined
        ? undefined
        : { version: row.version, schema: row.schema, state: JSON.parse(row.state) as S };
    });
  }

  saveSnapshot(stream: string, snapshot: Snapshot): Promise<void> {
    return this.serial(() => {
      this.s.saveSnapshot.run(stream, snapshot.version, snapshot.schema, json(snapshot.state));
    });
  }

  loadCheckpoint(name: string): Promise<number> {
    return this.serial(() => (this.s.loadCheckpoint.get(name) as number | undefined) ?? 0);
  }

  getDocument<T>(collection: string, id: string): Promise<T | undefined> {
    return this.serial(() => {
      const doc = this.s.getDoc.get(collection, id) as string | undefined;
      return doc === undefined ? undefined : (JSON.parse(doc) as T);
    });
  }

  findDocuments<T>(
    collection: string,
    options: FindDocumentsOptions = {},
  ): Promise<{ id: string; doc: T }[]> {
    return this.serial(() =>
      (
        this.s.findDocs.all(collection, options.after ?? "", options.limit ?? -1) as {
          id: string;
          doc: string;
        }[]
      ).map((r) => ({ id: r.id, doc: JSON.parse(r.doc) as T })),
    );
  }

  claimOutbox(limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    return this.serial(() => {
      const now = Date.now();
      const rows = this.s.claim.all(now + leaseMs, now, limit) as {
        seq: number;
        id: string;
        name: string;
        payload: string;
        headers: string | null;
      }[];
      return rows
        .sort((a, b) => a.seq - b.seq)
        .map((r) => ({
          id: r.id,
          name: r.name,
          payload: JSON.parse(r.payload) as unknown,
          ...(r.headers === null ? {} : { headers: JSON.parse(r.headers) as Record<string, string> }),
        }));
    });
  }

  ackOutbox(ids: readonly string[]): Promise<void> {
    return this.serial(() => {
      this.options.database.transaction(() => {
        for (const id of ids) this.s.ack.run(id);
      })();
    });
  }

  outboxSize(): Promise<number> {
    return this.serial(() => this.s.outboxSize.get() as number);
  }

  async close(): Promise<void> {
    await this.serial(() => undefined).catch(() => undefined);
    this.closed = true;
    this.listeners.clear();
    if (this.options.closeDatabase === true) this.options.database.close();
  }
}

/** Creates an event store on an open better-sqlite3 database (see {@link SqliteEventStore}). */
export function sqliteEventStore(options: SqliteEventStoreOptions): SqliteEventStore {
  return new SqliteEventStore(options);
}
