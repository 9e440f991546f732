import { runDocumentQuery } from "../../ports/document-match.js";
import { checkFind } from "../../ports/document-query.js";
import type {
  AppendOptions,
  AppendResult,
  DocumentWrite,
  EventStore,
  EventStoreTransaction,
  FindDocumentsOptions,
  NewEvent,
  OutboxMessage,
  RecordedEvent,
  Snapshot,
  StoredEvent,
  Upcaster,
} from "../../ports/event-store.js";
import {
  assertEventIds,
  assertExpectedVersion,
  checkExpectedCheckpoint,
  checkExpectedVersion,
  duplicateEventId,
} from "../../ports/event-store-conflict.js";
import type { LeaseGrant } from "../../ports/lease.js";
import { LocalAppends } from "../../ports/local-appends.js";
import { storedEvents } from "../../ports/stored-events.js";
import { currentSchema, indexUpcasters, stampSchemas, upcast } from "../../ports/upcast.js";

export interface MemoryEventStoreOptions {
  readonly upcasters?: readonly Upcaster[];
}

const clone = <T>(value: T): T => (value === undefined ? value : structuredClone(value));
const DELETED = Symbol("deleted");

/** The writes of one transaction, applied together at commit. */
class Staged implements EventStoreTransaction {
  readonly events: StoredEvent[] = [];
  readonly versions = new Map<string, number>();
  readonly docs = new Map<string, Map<string, unknown>>();
  readonly cleared = new Set<string>();
  readonly checkpoints = new Map<string, number>();
  readonly outbox: OutboxMessage[] = [];
  readonly snapshots = new Map<string, Snapshot>();

  constructor(private readonly store: MemoryEventStore) {}

  async append(
    stream: string,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const expected = options.expectedVersion ?? "any";
    assertExpectedVersion(expected);
    assertEventIds(events);
    const current = this.versions.get(stream) ?? this.store.versionOf(stream);
    checkExpectedVersion(stream, expected, current);
    // Ids are unique across the store, as the SQL stores' constraint keeps them.
    const seen = new Set(this.events.map((s) => s.id));
    for (const e of events) {
      if (e.id === undefined) continue;
      if (this.store.hasEvent(e.id) || seen.has(e.id)) throw duplicateEventId(stream, e.id);
      seen.add(e.id);
    }
    const stored = storedEvents(stream, this.store.stamp(events), current, new Date()).map(
      (e): StoredEvent => ({ ...e, data: clone(e.data), metadata: clone(e.metadata) }),
    );
    this.versions.set(stream, current + stored.length);
    this.events.push(...stored);
    return { stream, version: current + stored.length, events: stored };
  }

  async getDocument<T>(collection: string, id: string): Promise<T | undefined> {
    const staged = this.docs.get(collection)?.get(id);
    if (staged === DELETED) return undefined;
    if (staged !== undefined) return clone(staged) as T;
    if (this.cleared.has(collection)) return undefined;
    return this.store.getDocument<T>(collection, id);
  }

  async getDocuments<T>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    for (const id of ids) {
      const doc = await this.getDocument<T>(collection, id);
      if (doc !== undefined) found.set(id, doc);
    }
    return found;
  }

  async putDocument(collection: string, id: string, doc: unknown): Promise<void> {
    this.collection(collection).set(id, clone(doc));
  }

  async deleteDocument(collection: string, id: string): Promise<void> {
    this.collection(collection).set(id, DELETED);
  }

  async writeDocuments(writes: readonly DocumentWrite[]): Promise<void> {
    for (const w of writes) {
      if (w.doc === undefined) await this.deleteDocument(w.collection, w.id);
      else await this.putDocument(w.collection, w.id, w.doc);
    }
  }

  async clearCollection(collection: string): Promise<void> {
    this.docs.delete(collection);
    this.cleared.add(collection);
  }

  async saveCheckpoint(name: string, position: number, expected?: number): Promise<void> {
    checkExpectedCheckpoint(name, expected, await this.loadCheckpoint(name));
    this.checkpoints.set(name, position);
  }

  async loadCheckpoint(name: string): Promise<number> {
    return this.checkpoints.get(name) ?? this.store.checkpointOf(name);
  }

  async enqueue(messages: readonly OutboxMessage[]): Promise<void> {
    this.outbox.push(...messages.map(clone));
  }

  async saveSnapshot(stream: string, snapshot: Snapshot): Promise<void> {
    this.snapshots.set(stream, clone(snapshot));
  }

  private collection(name: string): Map<string, unknown> {
    let c = this.docs.get(name);
    if (c === undefined) {
      c = new Map();
      this.docs.set(name, c);
    }
    return c;
  }
}

/**
 * An event store in memory, for tests and single-process development. Transactions run one at a
 * time and apply their writes at commit: a failed transaction leaves nothing behind.
 *
 * @example
 * const store = memoryEventStore();
 * await store.append("account-1", [{ type: "opened", data: { owner: "Ada" } }], { expectedVersion: 0 });
 */
export class MemoryEventStore implements EventStore {
  readonly kind = "memory";
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly log: RecordedEvent[] = [];
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly checkpoints = new Map<string, number>();
  private readonly documents = new Map<string, Map<string, unknown>>();
  private readonly outbox: { message: OutboxMessage; leasedUntil: number }[] = [];
  private readonly leases = new Map<string, { holder: string; until: number }>();
  private readonly appends = new LocalAppends();
  private readonly upcasters;
  private readonly ids = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: MemoryEventStoreOptions = {}) {
    this.upcasters = indexUpcasters(options.upcasters);
  }

  versionOf(stream: string): number {
    return this.streams.get(stream)?.length ?? 0;
  }

  hasEvent(id: string): boolean {
    return this.ids.has(id);
  }

  /** Events with their schema as stored (see {@link stampSchemas}). */
  stamp(events: readonly NewEvent[]): readonly NewEvent[] {
    return stampSchemas(events, this.upcasters);
  }

  checkpointOf(name: string): number {
    return this.checkpoints.get(name) ?? 0;
  }

  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    return this.transaction((tx) => tx.append(stream, events, options));
  }

  transaction<T>(work: (tx: EventStoreTransaction) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const tx = new Staged(this);
      const result = await work(tx);
      this.commit(tx);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private commit(tx: Staged): void {
    for (const e of tx.events) {
      const recorded = { ...e, position: this.log.length + 1 };
      const list = this.streams.get(e.stream) ?? [];
      list.push(recorded);
      this.streams.set(e.stream, list);
      this.log.push(recorded);
      this.ids.add(e.id);
    }
    for (const c of tx.cleared) this.documents.delete(c);
    for (const [c, docs] of tx.docs) {
      const target = this.documents.get(c) ?? new Map<string, unknown>();
      this.documents.set(c, target);
      for (const [id, doc] of docs) {
        if (doc === DELETED) target.delete(id);
        else target.set(id, doc);
      }
    }
    for (const [name, position] of tx.checkpoints) this.checkpoints.set(name, position);
    for (const [stream, snapshot] of tx.snapshots) this.snapshots.set(stream, snapshot);
    for (const message of tx.outbox) this.outbox.push({ message, leasedUntil: 0 });
    if (tx.events.length > 0) this.appends.notify();
  }

  async readStream(
    stream: string,
    options: { after?: number; limit?: number } = {},
  ): Promise<RecordedEvent[]> {
    const after = options.after ?? 0;
    const events = (this.streams.get(stream) ?? []).slice(after, after + (options.limit ?? Infinity));
    return events.map((e) => upcast(clone(e), this.upcasters));
  }

  async readAll(options: { after?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? 0;
    return this.log
      .slice(after, after + (options.limit ?? Infinity))
      .map((e) => upcast(clone(e), this.upcasters));
  }

  currentSchema(type: string): number {
    return currentSchema(this.upcasters, type);
  }

  async headPosition(): Promise<number> {
    return this.log.length;
  }

  async streamVersion(stream: string): Promise<number> {
    return this.versionOf(stream);
  }

  async listStreams(prefix: string, options: { after?: string; limit?: number } = {}): Promise<string[]> {
    const names = [...this.streams.keys()]
      .filter((s) => s.startsWith(prefix) && (options.after === undefined || s > options.after))
      .sort();
    return names.slice(0, options.limit ?? Infinity);
  }

  subscribe(options: Parameters<EventStore["subscribe"]>[0]) {
    return this.appends.subscribe(this, options);
  }

  async loadSnapshot<S>(stream: string): Promise<Snapshot<S> | undefined> {
    return clone(this.snapshots.get(stream)) as Snapshot<S> | undefined;
  }

  saveSnapshot(stream: string, snapshot: Snapshot): Promise<void> {
    return this.transaction((tx) => tx.saveSnapshot(stream, snapshot));
  }

  async loadCheckpoint(name: string): Promise<number> {
    return this.checkpointOf(name);
  }

  async getDocument<T>(collection: string, id: string): Promise<T | undefined> {
    return clone(this.documents.get(collection)?.get(id)) as T | undefined;
  }

  async findDocuments<T>(collection: string, given?: FindDocumentsOptions) {
    const { query, ...options } = checkFind(given);
    const docs = (this.documents.get(collection) ?? new Map<string, unknown>()) as Map<string, T>;
    return runDocumentQuery(docs, query, options).map(({ id, doc }) => ({ id, doc: clone(doc) }));
  }

  async claimOutbox(limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const now = Date.now();
    const claimed: OutboxMessage[] = [];
    for (const entry of this.outbox) {
      if (claimed.length >= limit) break;
      if (entry.leasedUntil > now) continue;
      entry.leasedUntil = now + leaseMs;
      claimed.push(clone(entry.message));
    }
    return claimed;
  }

  async ackOutbox(ids: readonly string[]): Promise<void> {
    const done = new Set(ids);
    for (let i = this.outbox.length - 1; i >= 0; i--) {
      if (done.has(this.outbox[i]!.message.id)) this.outbox.splice(i, 1);
    }
  }

  async outboxSize(): Promise<number> {
    return this.outbox.length;
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    const now = Date.now();
    const current = this.leases.get(name);
    if (current !== undefined && current.holder !== holder && current.until > now) {
      return { held: false, holder: current.holder, previous: current.holder };
    }
    this.leases.set(name, { holder, until: now + ttlMs });
    return { held: true, holder, previous: current?.holder };
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    const current = this.leases.get(name);
    if (current?.holder === holder) current.until = 0;
  }

  async close(): Promise<void> {
    this.appends.clear();
  }
}

/** Creates an in-memory event store (see {@link MemoryEventStore}). */
export function memoryEventStore(options: MemoryEventStoreOptions = {}): MemoryEventStore {
  return new MemoryEventStore(options);
}
