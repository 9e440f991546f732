import type { DocumentOrder, DocumentWhere } from "./document-query.js";
import type { LeaseGrant } from "./lease.js";
import type { SqlDialect, SqlStatements } from "./sql-statements.js";

/**
 * The event store port: append-only streams with optimistic concurrency, one global log with an
 * increasing position, snapshots, projection checkpoints, read-model documents and a transactional
 * outbox. Features speak to it only through this interface; adapters (memory, SQLite, PostgreSQL)
 * implement it and pass the shared contract suite (`test/contract/event-store-contract.ts`).
 */

/** `0`: the stream must not exist yet; `n`: its last event must be version `n`; `"any"`: no check. */
export type ExpectedVersion = number | "any";

/** An event to append. `id` is generated when missing; `schema` is the version of its shape (default 1). */
export interface NewEvent<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
  readonly id?: string;
  readonly schema?: number;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** An event as it was stored in its stream. */
export interface StoredEvent<T extends string = string, D = unknown> {
  /** Stable id (a UUID): subscribers deduplicate on it. */
  readonly id: string;
  readonly stream: string;
  /** 1 for the first event of the stream, then +1 per event. */
  readonly version: number;
  readonly type: T;
  readonly data: D;
  readonly schema: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly recordedAt: Date;
}

/** An event of the global log: its position increases in the order events become visible. */
export interface RecordedEvent<T extends string = string, D = unknown> extends StoredEvent<T, D> {
  readonly position: number;
}

export interface AppendOptions {
  /** Default `"any"`. A mismatch fails with `TESSERA_CONFLICT`, `details.currentVersion` set. */
  readonly expectedVersion?: ExpectedVersion;
}

export interface AppendResult {
  readonly stream: string;
  /** The version of the stream after the append. */
  readonly version: number;
  readonly events: readonly StoredEvent[];
}

/** What an aggregate's state was at a version (a cache: the log stays the truth). */
export interface Snapshot<S = unknown> {
  readonly version: number;
  readonly state: S;
  /** Version of the state's shape: a snapshot of another shape is ignored. */
  readonly schema: number;
}

/** A message waiting in the outbox, published by the relay after the commit. */
export interface OutboxMessage {
  /** Stable id: the same message published twice carries the same id. */
  readonly id: string;
  /** Event name (`AccountCreated`); the relay publishes it on that event's subject. */
  readonly name: string;
  readonly payload: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ReadStreamOptions {
  /** Only events after this version (default 0: from the start). */
  readonly after?: number;
  readonly limit?: number;
}

export interface ReadAllOptions {
  /** Only events after this global position (default 0: from the start). */
  readonly after?: number;
  readonly limit?: number;
}

export interface SubscribeOptions {
  /** Deliver events after this position (default 0). */
  readonly after?: number;
  /** Largest batch handed to `handle` (default 500). */
  readonly batchSize?: number;
  /** Poll interval when idle, for appends made by other processes (default 50 ms). */
  readonly pollMs?: number;
  /**
   * Receives batches in global order, one at a time. When it throws, the same batch is offered
   * again after a backoff: the subscription never skips.
   */
  handle(events: readonly RecordedEvent[]): Promise<void> | void;
  /** A read or a batch failed: tried again after a growing pause. */
  onError?(err: unknown): void;
  /** A read and its batch worked again after failures. */
  onRecovered?(): void;
}

export interface EventSubscription {
  /** The position of the last event handled. */
  readonly position: number;
  /** Resolves once the subscription has caught up with the head at the time of the call. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

/** One write of {@link EventStoreTransaction.writeDocuments}: `doc: undefined` deletes. */
export interface DocumentWrite {
  readonly collection: string;
  readonly id: string;
  readonly doc: unknown;
}

/** Reads and writes of one transaction: everything in it commits together or not at all. */
export interface EventStoreTransaction {
  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  getDocument<T = unknown>(collection: string, id: string): Promise<T | undefined>;
  /** The documents of these ids that exist, in one read. */
  getDocuments<T = unknown>(collection: string, ids: readonly string[]): Promise<Map<string, T>>;
  putDocument(collection: string, id: string, doc: unknown): Promise<void>;
  deleteDocument(collection: string, id: string): Promise<void>;
  /** Puts (`doc` defined) or deletes (`doc` undefined) many documents at once. */
  writeDocuments(writes: readonly DocumentWrite[]): Promise<void>;
  /** Removes every document of a collection (for a rebuild). */
  clearCollection(collection: string): Promise<void>;
  /** Moves a checkpoint; with `expected`, fails with `TESSERA_CONFLICT` unless it is there. */
  saveCheckpoint(name: string, position: number, expected?: number): Promise<void>;
  loadCheckpoint(name: string): Promise<number>;
  /** Adds messages to the outbox, published once this transaction has committed. */
  enqueue(messages: readonly OutboxMessage[]): Promise<void>;
  saveSnapshot(stream: string, snapshot: Snapshot): Promise<void>;
  /** Statements on the store's database in this transaction (SQLite and PostgreSQL stores). */
  readonly sql?: SqlStatements;
}

export interface FindDocumentsOptions {
  /**
   * Conditions on the documents' fields, run by the store (SQL on SQLite and PostgreSQL):
   * `{ owner: "Ada", balance: { gte: 100 }, "address.city": { in: ["Paris", "Lyon"] } }`.
   */
  readonly where?: DocumentWhere;
  /** Default: by id. A field's numbers sort before its strings; ties by id. */
  readonly orderBy?: DocumentOrder | readonly DocumentOrder[];
  /** Only documents whose id sorts after this one. */
  readonly after?: string;
  readonly limit?: number;
}

export interface EventStore {
  /** `memory`, `sqlite`, `postgres`. */
  readonly kind: string;
  /** The dialect of `tx.sql` when the store's transactions have one (SQL projections need it). */
  readonly sqlDialect?: SqlDialect;
  /** Appends a batch atomically to one stream. */
  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Runs `work` in one transaction (appends, documents, checkpoints, outbox); a throw rolls it all back. */
  transaction<T>(work: (tx: EventStoreTransaction) => Promise<T>): Promise<T>;
  /** A stream's events in version order, including those not yet numbered in the global log. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** The global log in position order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The position of the last visible event (0 when empty). */
  headPosition(): Promise<number>;
  /**
   * The schema an event of `type` appended without one is stored at: one past the last of its
   * upcasters (1 without any), so that upcasters run only on older events.
   */
  currentSchema(type: string): number;
  /** The version of a stream (0 when it does not exist). */
  streamVersion(stream: string): Promise<number>;
  /** Stream names starting with `prefix`, in name order. */
  listStreams(
    prefix: string,
    options?: { readonly after?: string; readonly limit?: number },
  ): Promise<string[]>;
  /** Catches up from `after`, then follows live appends, in global order, never skipping. */
  subscribe(options: SubscribeOptions): EventSubscription;
  loadSnapshot<S = unknown>(stream: string): Promise<Snapshot<S> | undefined>;
  saveSnapshot(stream: string, snapshot: Snapshot): Promise<void>;
  loadCheckpoint(name: string): Promise<number>;
  getDocument<T = unknown>(collection: string, id: string): Promise<T | undefined>;
  findDocuments<T = unknown>(
    collection: string,
    options?: FindDocumentsOptions,
  ): Promise<{ id: string; doc: T }[]>;
  /**
   * Takes up to `limit` outbox messages in order and leases them for `leaseMs`: another relay does
   * not see them until the lease ends (a relay killed mid-way leaves them to the next one).
   */
  claimOutbox(limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  /** Removes published messages. */
  ackOutbox(ids: readonly string[]): Promise<void>;
  /** Messages still waiting (leased or not). */
  outboxSize(): Promise<number>;
  /**
   * Takes the lease `name` for `holder` for `ttlMs` from now, or renews it when `holder` has it: in
   * one atomic step, refused while another holder's lease has not ended. The store's clock decides
   * (PostgreSQL's for the PostgreSQL store), so that nodes whose clocks differ agree.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseGrant>;
  /** Ends the lease now if `holder` has it (the next attempt of anyone takes it); else does nothing. */
  releaseLease(name: string, holder: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Turns an event stored in an older shape into the current one. Upcasters of a type run in a
 * chain, from the stored `schema` up: `{ type: "deposited", from: 1, up: (d) => ({ amount: d.cents / 100 }) }`.
 */
export interface Upcaster {
  readonly type: string;
  /** The schema version it reads; it produces `from + 1`. */
  readonly from: number;
  up(data: unknown, event: StoredEvent): unknown;
}
