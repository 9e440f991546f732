import type { Pool } from "pg";
import { TesseraError } from "../../core/errors.js";
import { checkFind } from "../../ports/document-query.js";
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
  StoredEvent,
  SubscribeOptions,
  Upcaster,
} from "../../ports/event-store.js";
import { assertEventIds } from "../../ports/event-store-conflict.js";
import type { LeaseGrant } from "../../ports/lease.js";
import { LocalAppends } from "../../ports/local-appends.js";
import {
  currentSchema,
  indexUpcasters,
  stampSchemas,
  type UpcasterIndex,
  upcast,
} from "../../ports/upcast.js";
import { AppendBatcher } from "./append-batcher.js";
import { guardedPool } from "./connection-failure.js";
import { postgresFindDocuments } from "./document-query-sql.js";
import { eventStoreMigrations, eventStoreMigrationsTable } from "./event-store-schema.js";
import { type EventStoreSql, eventStoreSql } from "./event-store-sql.js";
import {
  appendEvents,
  loadCheckpoint,
  PostgresTransaction,
  type Queryable,
  saveSnapshot,
  uniqueViolation,
} from "./event-store-tx.js";
import { inTransaction } from "./pg-transaction.js";
import { migratePostgres } from "./postgres-migrations.js";
import { ident } from "./sql-ident.js";

export interface PostgresEventStoreOptions {
  /** A `pg` pool (`new pg.Pool({ connectionString })`); the store does not end it unless `closePool`. */
  readonly pool: Pool;
  /** The PostgreSQL schema of the store's tables, created if missing (default `tessera`). */
  readonly schema?: string;
  readonly upcasters?: readonly Upcaster[];
  /** End the pool in `close()` (default false). */
  readonly closePool?: boolean;
  /** Largest number of events the sequencer numbers in one go (default 5000). */
  readonly sequenceBatch?: number;
  /**
   * Group commit of `append` calls with a numeric expected version: statements in flight at once
   * (default 4, keep it under the pool size); appends made meanwhile leave together in the next
   * one. `0` sends each append alone.
   */
  readonly appendConcurrency?: number;
}

interface EventRow {
  readonly position?: string | null;
  readonly id: string;
  readonly stream: string;
  readonly version: string;
  readonly type: string;
  readonly data: unknown;
  readonly schema: number;
  readonly metadata: Record<string, unknown>;
  readonly recorded_at: Date;
}

function storedOf(r: EventRow): StoredEvent {
  return {
    id: r.id,
    stream: r.stream,
    version: Number(r.version),
    type: r.type,
    data: r.data,
    schema: r.schema,
    metadata: r.metadata,
    recordedAt: r.recorded_at,
  };
}

/**
 * The event store on PostgreSQL. An append is one statement (the stream's row is its lock and its
 * version check). The global position is handed out by a sequencer after commit, so that readers
 * of the global log see positions in the order they became visible, never one before a smaller
 * one (see `event-store-schema.ts` and the README). The pool may be shared with the other stores of
 * the database.
 *
 * @example
 * const store = postgresEventStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 */
export class PostgresEventStore implements EventStore {
  readonly kind = "postgres";
  readonly sqlDialect = "postgres";
  private readonly sql: EventStoreSql;
  private readonly upcasters: UpcasterIndex;
  private readonly appends = new LocalAppends();
  private readonly db: Queryable;
  private ready: Promise<void> | undefined;
  private readonly batcher: AppendBatcher | undefined;

  private readonly options: PostgresEventStoreOptions;

  constructor(options: PostgresEventStoreOptions) {
    // A lost database answers 503 TESSERA_UNAVAILABLE, not 500 (issue 17 follow-up, item 4).
    this.options = { ...options, pool: guardedPool(options.pool) };
    this.sql = eventStoreSql(options.schema ?? "tessera");
    this.upcasters = indexUpcasters(options.upcasters);
    this.db = this.options.pool as unknown as Queryable;
    const concurrency = options.appendConcurrency ?? 4;
    if (concurrency > 0) {
      this.batcher = new AppendBatcher(
        this.db,
        this.sql,
        concurrency,
        500,
        (stream, events, expectedVersion) =>
          appendEvents(this.db, this.sql, stream, events, { expectedVersion }, this.upcasters),
      );
    }
  }

  /** Applies the schema's migrations (once per store; concurrent processes take turns). */
  migrate(): Promise<void> {
    const schema = this.options.schema ?? "tessera";
    this.ready ??= migratePostgres(
      this.options.pool,
      ident(schema),
      eventStoreMigrationsTable(schema),
      eventStoreMigrations(schema),
    ).catch((err: unknown) => {
      this.ready = undefined;
      throw TesseraError.unavailable("cannot create the event store schema", { cause: String(err) });
    });
    return this.ready;
  }

  private async query<R>(text: string, values: unknown[]): Promise<R[]> {
    await this.migrate();
    return (await this.db.query<R>(text, values)).rows;
  }

  private notify(): void {
    this.appends.notify();
  }

  async append(
    stream: string,
    given: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    assertEventIds(given);
    const events = stampSchemas(given, this.upcasters);
    await this.migrate();
    const expected = options.expectedVersion ?? "any";
    const result =
      this.batcher !== undefined &&
      typeof expected === "number" &&
      events.length > 0 &&
      Number.isSafeInteger(expected) &&
      expected >= 0
        ? await this.batcher.append(stream, events, expected)
        : await appendEvents(this.db, this.sql, stream, events, options, this.upcasters);
    this.notify();
    return result;
  }

  async transaction<T>(work: (tx: EventStoreTransaction) => Promise<T>): Promise<T> {
    await this.migrate();
    // A deadlock or serialization failure rolled the whole transaction back: it runs again (a
    // rebuild beside a runner updating the same rows lost 15 of 25 to a raw 40P01).
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await inTransaction(this.options.pool, (client) =>
          work(new PostgresTransaction(client as unknown as Queryable, this.sql, this.upcasters)),
        );
        this.notify();
        return result;
      } catch (err) {
        const code = (err as { code?: unknown } | undefined)?.code;
        const retry = code === "40P01" || code === "40001";
        if (retry && attempt < 4) {
          await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 20));
          continue;
        }
        if (retry)
          throw TesseraError.conflict("the database chose this transaction as a deadlock victim 4 times", {
            sqlState: code,
          });
        throw uniqueViolation(err) ?? err;
      }
    }
  }

  async readStream(stream: string, options: { after?: number; limit?: number } = {}): Promise<StoredEvent[]> {
    const rows = await this.query<EventRow>(this.sql.readStream, [
      stream,
      options.after ?? 0,
      options.limit ?? null,
    ]);
    return rows.map((r) => upcast(storedOf(r), this.upcasters));
  }

  /** Numbers the committed events that have no position yet; returns the head position. */
  private async sequence(): Promise<number> {
    const rows = await this.query<{ head: string }>(this.sql.sequence, [this.options.sequenceBatch ?? 5000]);
    return Number(rows[0]!.head);
  }

  async readAll(options: { after?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    await this.sequence();
    const rows = await this.query<EventRow>(this.sql.readAll, [options.after ?? 0, options.limit ?? null]);
    return rows.map((r) => upcast({ ...storedOf(r), position: Number(r.position) }, this.upcasters));
  }

  currentSchema(type: string): number {
    return currentSchema(this.upcasters, type);
  }

  headPosition(): Promise<number> {
    return this.sequence();
  }

  async streamVersion(stream: string): Promise<number> {
    const rows = await this.query<{ version: string }>(this.sql.version, [stream]);
    return Number(rows[0]?.version ?? 0);
  }

  async listStreams(prefix: string, options: { after?: string; limit?: number } = {}): Promise<string[]> {
    const rows = await this.query<{ stream: string }>(this.sql.streams, [
      prefix,
      `${prefix}\u{10FFFF}`,
      options.after ?? "",
      options.limit ?? null,
    ]);
    return rows.map((r) => r.stream);
  }

  subscribe(options: SubscribeOptions): EventSubscription {
    return this.appends.subscribe(this, options);
  }

  async loadSnapshot<S>(stream: string): Promise<Snapshot<S> | undefined> {
    const [row] = await this.query<{ version: string; schema: number; state: S }>(this.sql.loadSnapshot, [
      stream,
    ]);
    return row === undefined
      ? undefined
      : { version: Number(row.version), schema: row.schema, state: row.state };
  }

  async saveSnapshot(stream: string, snapshot: Snapshot): Promise<void> {
    await this.migrate();
    await saveSnapshot(this.db, this.sql, stream, snapshot);
  }

  async loadCheckpoint(name: string): Promise<number> {
    await this.migrate();
    return loadCheckpoint(this.db, this.sql, name);
  }

  async getDocument<T>(collection: string, id: string): Promise<T | undefined> {
    const [row] = await this.query<{ doc: T }>(this.sql.getDoc, [collection, id]);
    return row?.doc;
  }

  async findDocuments<T>(
    collection: string,
    given?: FindDocumentsOptions,
  ): Promise<{ id: string; doc: T }[]> {
    const { query, ...options } = checkFind(given);
    if (query.conditions.length > 0 || query.order.length > 0) {
      const table = `${ident(this.options.schema ?? "tessera")}.es_documents`;
      const { text, params } = postgresFindDocuments(table, collection, query, options);
      return this.query<{ id: string; doc: T }>(text, params);
    }
    return this.query<{ id: string; doc: T }>(this.sql.findDocs, [
      collection,
      options.after ?? "",
      options.limit ?? null,
    ]);
  }

  async claimOutbox(limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const rows = await this.query<{
      seq: string;
      id: string;
      name: string;
      payload: unknown;
      headers: Record<string, string> | null;
    }>(this.sql.claim, [limit, leaseMs]);
    return rows
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map((r) => ({
        id: r.id,
        name: r.name,
        payload: r.payload,
        ...(r.headers === null ? {} : { headers: r.headers }),
      }));
  }

  async ackOutbox(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.query(this.sql.ack, [ids]);
  }

  async outboxSize(): Promise<number> {
    const [row] = await this.query<{ n: number }>(this.sql.outboxSize, []);
    return row?.n ?? 0;
  }

  /** With PostgreSQL's clock (`clock_timestamp()`): the nodes' clocks may differ. */
  async acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    const [row] = await this.query<{ taken: string | null; previous: string | null }>(this.sql.acquireLease, [
      name,
      holder,
      Math.ceil(ttlMs),
    ]);
    const previous = row?.previous ?? undefined;
    if (row?.taken === holder) return { held: true, holder, previous };
    if (previous !== undefined) return { held: false, holder: previous, previous };
    // Refused by a holder that took the lease while this statement ran (none was there before it).
    const [now] = await this.query<{ holder: string }>(this.sql.leaseHolder, [name]);
    return { held: false, holder: now?.holder ?? "unknown", previous: now?.holder };
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.query(this.sql.releaseLease, [name, holder]);
  }

  async close(): Promise<void> {
    this.appends.clear();
    if (this.options.closePool === true) await this.options.pool.end();
  }
}

/** Creates an event store on a `pg` pool (see {@link PostgresEventStore}). */
export function postgresEventStore(options: PostgresEventStoreOptions): PostgresEventStore {
  return new PostgresEventStore(options);
}
