import type { Database, Statement } from "better-sqlite3";
import { TesseraError } from "../../core/errors.js";
import { checkFind, type DocumentQuery } from "../../ports/document-query.js";
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventStoreTransaction,
  EventSubscription,
  FindDocumentsOptions,
  NewEvent,
  OutboxMessage,
  RecordedEvent,
  Snapshot,
  SubscribeOptions,
  Upcaster,
} from "../../ports/event-store.js";
import type { LeaseGrant } from "../../ports/lease.js";
import { LocalAppends } from "../../ports/local-appends.js";
import { currentSchema, indexUpcasters, type UpcasterIndex, upcast } from "../../ports/upcast.js";
import { sqliteFindDocuments } from "./document-query-sql.js";
import { type EventRow, eventOfRow, json, prefixEnd } from "./event-store-rows.js";
import { type EventStoreTables, eventStoreMigrations, eventStoreTables } from "./event-store-schema.js";
import { type EventStoreStatements, eventStoreStatements } from "./event-store-statements.js";
import { appendNow, SqliteTransaction } from "./event-store-tx.js";
import { type SqliteConnection, sqliteConnection } from "./sqlite-connection.js";
import { migrateSqlite } from "./sqlite-migrations.js";
import { SqliteStatements } from "./sqlite-statements.js";

export interface SqliteEventStoreOptions {
  /** An open better-sqlite3 database (`new Database(".tesserae/app.db")`); the store does not own it unless `closeDatabase`. */
  readonly database: Database;
  /** Prefix of the store's tables (default `tessera_es_`). */
  readonly prefix?: string;
  readonly upcasters?: readonly Upcaster[];
  /** Close the database in `close()` (default false). */
  readonly closeDatabase?: boolean;
}

/**
 * The event store on SQLite (better-sqlite3): one file, several processes (WAL). Operations run one
 * at a time on the database's connection (with those of the other stores that share it); a
 * transaction is `BEGIN IMMEDIATE`, so writers of other processes wait (busy timeout) rather than
 * fail. Its schema is migrated when the store is created.
 *
 * @example
 * const store = sqliteEventStore({ database: new Database(".tesserae/accounts.db") });
 */
export class SqliteEventStore implements EventStore {
  readonly kind = "sqlite";
  readonly sqlDialect = "sqlite";
  private readonly s: EventStoreStatements;
  private readonly upcasters: UpcasterIndex;
  private readonly appends = new LocalAppends();
  private readonly connection: SqliteConnection;
  private readonly tables: EventStoreTables;
  private readonly prepared = new Map<string, Statement>();
  private readonly statements: SqliteStatements;
  private closed = false;

  constructor(private readonly options: SqliteEventStoreOptions) {
    const db: Database = options.database;
    this.connection = sqliteConnection(db);
    if (!db.memory) db.pragma("journal_mode = WAL");
    this.connection.synchronous("NORMAL");
    const t = eventStoreTables(options.prefix ?? "tessera_es_");
    this.tables = t;
    this.statements = new SqliteStatements(db);
    migrateSqlite(db, t.migrations, eventStoreMigrations(t));
    this.s = eventStoreStatements(db, t);
    this.upcasters = indexUpcasters(options.upcasters);
  }

  /** Runs `fn` once every earlier operation on the connection has finished. */
  private serial<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.connection.run(() => {
      if (this.closed) throw TesseraError.unavailable("the event store is closed");
      this.connection.synchronous("NORMAL");
      return fn();
    });
  }

  private notify(): void {
    this.appends.notify();
  }

  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    return this.serial(() => {
      const result = this.options.database
        .transaction(() => appendNow(this.s, stream, events, options, this.upcasters))
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
        const result = await work(new SqliteTransaction(this.s, this.upcasters, this.statements));
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

  currentSchema(type: string): number {
    return currentSchema(this.upcasters, type);
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
    return this.appends.subscribe(this, options);
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

  findDocuments<T>(collection: string, given?: FindDocumentsOptions): Promise<{ id: string; doc: T }[]> {
    return this.serial(() => {
      const { query, ...options } = checkFind(given);
      const rows =
        query.conditions.length === 0 && query.order.length === 0
          ? this.s.findDocs.all(collection, options.after ?? "", options.limit ?? -1)
          : this.findWhere(collection, query, options);
      return (rows as { id: string; doc: string }[]).map((r) => ({ id: r.id, doc: JSON.parse(r.doc) as T }));
    });
  }

  /** A query with conditions: its statement is prepared once per shape (the values are parameters). */
  private findWhere(collection: string, query: DocumentQuery, options: FindDocumentsOptions): unknown[] {
    const { text, params } = sqliteFindDocuments(this.tables.documents, collection, query, options);
    let statement = this.prepared.get(text);
    if (statement === undefined) {
      if (this.prepared.size >= 200) this.prepared.clear();
      statement = this.options.database.prepare(text);
      this.prepared.set(text, statement);
    }
    return statement.all(...params);
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

  /** One write transaction (`BEGIN IMMEDIATE`): processes of the file take the lease in turn. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    return this.serial(() =>
      this.options.database
        .transaction((): LeaseGrant => {
          const now = Date.now();
          const current = this.s.lease.get(name) as { holder: string; until: number } | undefined;
          if (current !== undefined && current.holder !== holder && current.until > now) {
            return { held: false, holder: current.holder, previous: current.holder };
          }
          this.s.takeLease.run(name, holder, now + ttlMs);
          return { held: true, holder, previous: current?.holder };
        })
        .immediate(),
    );
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.serial(() => {
      this.s.releaseLease.run(name, holder);
    });
  }

  async close(): Promise<void> {
    await this.serial(() => undefined).catch(() => undefined);
    this.closed = true;
    this.appends.clear();
    if (this.options.closeDatabase === true) this.options.database.close();
  }
}

/** Creates an event store on an open better-sqlite3 database (see {@link SqliteEventStore}). */
export function sqliteEventStore(options: SqliteEventStoreOptions): SqliteEventStore {
  return new SqliteEventStore(options);
}
