import { TesseraError } from "../../core/errors.js";
import type {
  AppendOptions,
  AppendResult,
  DocumentWrite,
  EventStoreTransaction,
  NewEvent,
  OutboxMessage,
  Snapshot,
} from "../../ports/event-store.js";
import {
  assertEventIds,
  assertExpectedVersion,
  checkpointConflict,
  duplicateEventId,
  versionConflict,
} from "../../ports/event-store-conflict.js";
import type { SqlStatements } from "../../ports/sql-statements.js";
import { eventIds, storedEvents } from "../../ports/stored-events.js";
import { stampSchemas, type UpcasterIndex } from "../../ports/upcast.js";
import type { EventStoreSql } from "./event-store-sql.js";
import { PgStatements } from "./pg-statements.js";

/** What the store needs of a `pg` client or pool: parameterised queries. */
export interface Queryable {
  query<R = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

const json = (value: unknown) => JSON.stringify(value ?? null);

/** Appends in one statement (its own transaction on a pool, part of the caller's on a client). */
export async function appendEvents(
  db: Queryable,
  sql: EventStoreSql,
  stream: string,
  given: readonly NewEvent[],
  options: AppendOptions,
  upcasters: UpcasterIndex,
): Promise<AppendResult> {
  const expected = options.expectedVersion ?? "any";
  assertExpectedVersion(expected);
  assertEventIds(given);
  const events = stampSchemas(given, upcasters);
  const current = async () =>
    Number((await db.query<{ version: string }>(sql.version, [stream])).rows[0]?.version ?? 0);
  if (events.length === 0) {
    const version = await current();
    if (expected !== "any" && expected !== version) throw versionConflict(stream, expected, version);
    return { stream, version, events: [] };
  }
  const ids = eventIds(events);
  const values: unknown[] = [
    stream,
    events.length,
    ids,
    events.map((e) => e.type),
    events.map((e) => json(e.data)),
    events.map((e) => e.schema ?? 1),
    events.map((e) => json(e.metadata ?? {})),
  ];
  const text = expected === "any" ? sql.appendAny : expected === 0 ? sql.appendNew : sql.appendAt;
  if (typeof expected === "number" && expected > 0) values.push(expected);
  const { rows } = await db
    .query<{ version: string; recorded_at: Date }>(text, values)
    .catch((err: unknown) => Promise.reject(uniqueViolation(err, stream) ?? err));
  if (rows.length === 0) throw versionConflict(stream, expected, await current());
  // RETURNING has no guaranteed order: versions follow from the last one.
  const last = Math.max(...rows.map((r) => Number(r.version)));
  const recordedAt = rows[0]!.recorded_at;
  const stored = storedEvents(stream, events, last - events.length, recordedAt, ids);
  return { stream, version: last, events: stored };
}

/**
 * A driver's unique violation (`23505`) as a `TESSERA_CONFLICT`, so that no raw `duplicate key`
 * reaches a caller (issue 17, bug 3): an event id already stored names it; undefined for any other
 * error.
 */
export function uniqueViolation(err: unknown, stream?: string): Error | undefined {
  const e = err as { code?: unknown; constraint?: unknown; detail?: unknown } | undefined;
  if (e?.code !== "23505") return undefined;
  const constraint = String(e.constraint ?? "");
  if (constraint === "es_events_id_key") {
    const id = /\(id\)=\(([^)]+)\)/.exec(String(e.detail ?? ""))?.[1];
    return duplicateEventId(stream ?? "?", id);
  }
  return TesseraError.conflict(`the event store refused a duplicate (${constraint || "unique key"})`, {
    constraint,
  });
}

export async function saveSnapshot(
  db: Queryable,
  sql: EventStoreSql,
  stream: string,
  s: Snapshot,
): Promise<void> {
  await db.query(sql.saveSnapshot, [stream, s.version, s.schema, json(s.state)]);
}

export async function loadCheckpoint(db: Queryable, sql: EventStoreSql, name: string): Promise<number> {
  return Number((await db.query<{ position: string }>(sql.loadCheckpoint, [name])).rows[0]?.position ?? 0);
}

/** The operations of one transaction, on the client that holds it open. */
export class PostgresTransaction implements EventStoreTransaction {
  constructor(
    private readonly client: Queryable,
    private readonly statements: EventStoreSql,
    private readonly upcasters: UpcasterIndex,
  ) {}

  /** Statements on the transaction's client, for SQL projections. */
  get sql(): SqlStatements {
    return new PgStatements(this.client);
  }

  append(stream: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    return appendEvents(this.client, this.statements, stream, events, options, this.upcasters);
  }

  async getDocument<T>(collection: string, id: string): Promise<T | undefined> {
    const { rows } = await this.client.query<{ doc: T }>(this.statements.getDoc, [collection, id]);
    return rows[0]?.doc;
  }

  async getDocuments<T>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.client.query<{ id: string; doc: T }>(this.statements.getDocs, [
      collection,
      ids,
    ]);
    return new Map(rows.map((r) => [r.id, r.doc]));
  }

  async putDocument(collection: string, id: string, doc: unknown): Promise<void> {
    await this.client.query(this.statements.putDoc, [collection, id, json(doc)]);
  }

  async deleteDocument(collection: string, id: string): Promise<void> {
    await this.client.query(this.statements.deleteDoc, [collection, id]);
  }

  async writeDocuments(writes: readonly DocumentWrite[]): Promise<void> {
    const puts = writes.filter((w) => w.doc !== undefined);
    const deletes = writes.filter((w) => w.doc === undefined);
    if (puts.length > 0) {
      await this.client.query(this.statements.putDocs, [
        puts.map((w) => w.collection),
        puts.map((w) => w.id),
        puts.map((w) => json(w.doc)),
      ]);
    }
    if (deletes.length > 0) {
      await this.client.query(this.statements.deleteDocs, [
        deletes.map((w) => w.collection),
        deletes.map((w) => w.id),
      ]);
    }
  }

  async clearCollection(collection: string): Promise<void> {
    await this.client.query(this.statements.clearDocs, [collection]);
  }

  async saveCheckpoint(name: string, position: number, expected?: number): Promise<void> {
    if (expected === undefined) {
      await this.client.query(this.statements.saveCheckpoint, [name, position]);
      return;
    }
    // The row exists first, so that the compare-and-set below waits for a concurrent mover.
    await this.client.query(this.statements.ensureCheckpoint, [name]);
    const { rows } = await this.client.query(this.statements.moveCheckpoint, [name, position, expected]);
    if (rows.length === 0) {
      throw checkpointConflict(name, expected, await loadCheckpoint(this.client, this.statements, name));
    }
  }

  loadCheckpoint(name: string): Promise<number> {
    return loadCheckpoint(this.client, this.statements, name);
  }

  async enqueue(messages: readonly OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.client.query(this.statements.enqueue, [
      messages.map((m) => m.id),
      messages.map((m) => m.name),
      messages.map((m) => json(m.payload)),
      messages.map((m) => (m.headers === undefined ? null : json(m.headers))),
    ]);
  }

  saveSnapshot(stream: string, snapshot: Snapshot): Promise<void> {
    return saveSnapshot(this.client, this.statements, stream, snapshot);
  }
}
