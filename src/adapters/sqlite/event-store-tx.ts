import type {
  AppendOptions,
  AppendResult,
  DocumentWrite,
  EventStoreTransaction,
  NewEvent,
  OutboxMessage,
  Snapshot,
  StoredEvent,
} from "../../ports/event-store.js";
import {
  assertEventIds,
  assertExpectedVersion,
  checkExpectedCheckpoint,
  checkExpectedVersion,
  duplicateEventId,
} from "../../ports/event-store-conflict.js";
import type { SqlStatements } from "../../ports/sql-statements.js";
import { storedEvents } from "../../ports/stored-events.js";
import { stampSchemas, type UpcasterIndex } from "../../ports/upcast.js";
import { json } from "./event-store-rows.js";
import type { EventStoreStatements as Statements } from "./event-store-statements.js";

/** The writes of one transaction: plain synchronous statements, the transaction is open around them. */
export class SqliteTransaction implements EventStoreTransaction {
  constructor(
    private readonly s: Statements,
    private readonly upcasters: UpcasterIndex,
    /** Statements on the database, for SQL projections. */
    readonly sql: SqlStatements,
  ) {}

  async append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    return appendNow(this.s, stream, events, options, this.upcasters);
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
    checkExpectedCheckpoint(name, expected, (this.s.loadCheckpoint.get(name) as number | undefined) ?? 0);
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

export function appendNow(
  s: Statements,
  stream: string,
  events: readonly NewEvent[],
  options: AppendOptions = {},
  upcasters: UpcasterIndex,
): AppendResult {
  const expected = options.expectedVersion ?? "any";
  assertExpectedVersion(expected);
  assertEventIds(events);
  const current = s.version.get(stream) as number;
  checkExpectedVersion(stream, expected, current);
  const recordedAt = new Date();
  const stored = storedEvents(stream, stampSchemas(events, upcasters), current, recordedAt);
  for (const e of stored) {
    insertEvent(s, e, stream, recordedAt);
  }
  return { stream, version: current + stored.length, events: stored };
}

/** One row; an id already stored is a conflict, not a driver error (the caller rolls back). */
function insertEvent(s: Statements, e: StoredEvent, stream: string, recordedAt: Date): void {
  try {
    s.insert.run(
      e.id,
      stream,
      e.version,
      e.type,
      json(e.data),
      e.schema,
      json(e.metadata),
      recordedAt.getTime(),
    );
  } catch (err) {
    const e2 = err as { code?: unknown; message?: unknown };
    if (e2.code === "SQLITE_CONSTRAINT_UNIQUE" && String(e2.message).endsWith(".id"))
      throw duplicateEventId(stream, e.id);
    throw err;
  }
}
