import { randomUUID } from "node:crypto";
import { hasCode, TesseraError } from "../../core/errors.js";
import { validate } from "../../core/schema.js";
import type { EventStore, EventStoreTransaction, NewEvent, StoredEvent } from "../../ports/event-store.js";
import { type AggregateDef, assertEventType, DELETED } from "./aggregate.js";
import { type BatchWriter, type Command, runBatch } from "./command-batch.js";
import type { DomainEvent } from "./domain-event.js";
import { domainMessages } from "./domain-events.js";
import { type Entity, entityOfSnapshot, fold, snapshotOf } from "./entity.js";
import type { Documents, ProjectionDef } from "./projection.js";
import { sqlFor } from "./projection-sql.js";
import { currentSnapshot, markSnapshot, schemaForAppend } from "./schema-versions.js";
import { StreamQueue } from "./stream-queue.js";
import {
  checkKey,
  type Decide,
  IDEMPOTENCY_WINDOW,
  idFromKey,
  isDuplicateId,
  isVersionConflict,
  keyedEventId,
  type WriteOptions,
} from "./write-options.js";

/** What a repository needs of the event-sourcing runtime. */
export interface RepositoryHost {
  readonly store: EventStore;
  /** Inline projections, applied in the append's transaction. */
  readonly inline: readonly ProjectionDef[];
  /** Called after each commit (wakes the outbox relay). */
  committed(): void;
}

/** The documents of a transaction, as projections see them. */
export function documentsOf(tx: EventStoreTransaction): Documents {
  return {
    get: (c, id) => tx.getDocument(c, id),
    put: (c, id, doc) => tx.putDocument(c, id, doc),
    delete: (c, id) => tx.deleteDocument(c, id),
  };
}

const asArray = <E>(events: E | readonly E[]): readonly E[] =>
  Array.isArray(events) ? (events as readonly E[]) : [events as E];

/**
 * Loads and saves the aggregates of one definition: `create / get / find / save / update / delete /
 * refresh`. Every save is one transaction: the events (with the expected version), the inline
 * projections, the outbox messages and a due snapshot commit together or not at all.
 *
 * @example
 * const accounts = es.repository(account);
 * const a = await accounts.create(() => ({ type: "opened", data: { owner: "Ada" } }));
 * await accounts.update(a.id, (s) => ({ type: "deposited", data: { amount: 5 } }));
 */
export class Repository<S, E extends DomainEvent> {
  constructor(
    readonly def: AggregateDef<string, S, E>,
    private readonly host: RepositoryHost,
  ) {}

  /** The entity, or undefined when it never existed (a deleted one is returned, `deleted: true`). */
  async load(id: string): Promise<Entity<S> | undefined> {
    const stream = this.def.streamOf(id);
    const snap =
      this.def.options.snapshots === undefined
        ? undefined
        : entityOfSnapshot(
            this.def,
            id,
            currentSnapshot(this.def, await this.host.store.loadSnapshot(stream)),
          );
    const events = await this.host.store.readStream(stream, { after: snap?.version ?? 0 });
    return fold(this.def, id, snap, events);
  }

  /** The entity; `TESSERA_NOT_FOUND` when it does not exist or was deleted. */
  async get(id: string): Promise<Entity<S>> {
    const entity = await this.load(id);
    if (entity === undefined || entity.deleted)
      throw TesseraError.notFound(`${this.def.name} ${id} not found`);
    return entity;
  }

  /** The entity brought up to date with the events appended since it was loaded. */
  async refresh(entity: Entity<S>): Promise<Entity<S>> {
    const events = await this.host.store.readStream(this.def.streamOf(entity.id), { after: entity.version });
    return fold(this.def, entity.id, entity, events) ?? entity;
  }

  /**
   * Live entities in id order, optionally filtered. It loads streams a page at a time and stops once
   * `limit` match, but a filter that few entities pass reads every stream: for anything more than a
   * handful, query a projection's documents with `store.findDocuments(collection, { where })`, whose
   * conditions run in the database.
   */
  async find(
    options: { where?: (state: S, entity: Entity<S>) => boolean; limit?: number; after?: string } = {},
  ): Promise<Entity<S>[]> {
    const prefix = this.def.streamOf("");
    const found: Entity<S>[] = [];
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    let after = options.after === undefined ? undefined : this.def.streamOf(options.after);
    while (found.length < limit) {
      const page = await this.host.store.listStreams(
        prefix,
        after === undefined ? { limit: 100 } : { after, limit: 100 },
      );
      for (const stream of page) {
        const entity = await this.load(stream.slice(prefix.length));
        if (entity !== undefined && !entity.deleted && (options.where?.(entity.state, entity) ?? true)) {
          found.push(entity);
          if (found.length >= limit) break;
        }
      }
      if (page.length < 100) break;
      after = page[page.length - 1];
    }
    return found;
  }

  /**
   * Creates an aggregate from the events of `decide` (on the initial state); conflict if the id
   * exists. With an `idempotencyKey` and no `id`, the id derives from the key: the same key twice
   * gives the same aggregate, created once (issue 17, bug 3).
   */
  async create(decide: Decide<S, E>, options: WriteOptions & { id?: string } = {}): Promise<Entity<S>> {
    checkKey(this.def.name, options);
    const key = options.idempotencyKey;
    const id = options.id ?? (key === undefined ? randomUUID() : idFromKey(`${this.def.name}:create:${key}`));
    const events = asArray(decide(this.def.options.initial(), undefined));
    if (events.length === 0)
      throw TesseraError.badRequest(`${this.def.name}: creating needs at least one event`);
    return this.commit(id, undefined, events, options);
  }

  /** Appends events to a loaded entity, expecting it unchanged since (else `TESSERA_CONFLICT`). */
  save(entity: Entity<S>, events: E | readonly E[], options: WriteOptions = {}): Promise<Entity<S>> {
    try {
      checkKey(this.def.name, options);
    } catch (err) {
      return Promise.reject(err);
    }
    if (entity.deleted)
      return Promise.reject(TesseraError.notFound(`${this.def.name} ${entity.id} not found`));
    const list = asArray(events);
    return list.length === 0 ? Promise.resolve(entity) : this.commit(entity.id, entity, list, options);
  }

  /**
   * Loads, decides, saves. Commands on one aggregate are queued in this process and written in
   * batches (one append for the commands waiting, each decided on the state the previous ones
   * left), so they never conflict with each other; on a version conflict with another process the
   * batch is loaded and decided again after a short random pause (up to `retries` times, default
   * 50). A decision that throws appends nothing and fails only its own command.
   */
  update(
    id: string,
    decide: Decide<S, E>,
    options: WriteOptions & { retries?: number } = {},
  ): Promise<Entity<S>> {
    return new Promise((resolve, reject) => {
      checkKey(this.def.name, options);
      this.queue.push(this.def.streamOf(id), { id, decide, options, resolve, reject });
    });
  }

  /** Marks the aggregate deleted (`{Aggregate}Deleted` is published); its stream stays. */
  async delete(id: string, options: WriteOptions = {}): Promise<void> {
    checkKey(this.def.name, options);
    const deleted = () => ({ type: DELETED, data: {} }) as unknown as E;
    await new Promise<Entity<S>>((resolve, reject) =>
      this.queue.push(this.def.streamOf(id), { id, decide: deleted, options, resolve, reject, delete: true }),
    );
  }

  /** Saves a snapshot of the aggregate now (loading then starts from it). */
  async snapshot(id: string): Promise<void> {
    const entity = await this.load(id);
    if (entity === undefined) throw TesseraError.notFound(`${this.def.name} ${id} not found`);
    await this.host.store.saveSnapshot(
      this.def.streamOf(id),
      markSnapshot(this.def, snapshotOf(this.def, entity)),
    );
  }

  /** The queue of this aggregate's streams, shared by every repository of it on this store. */
  private get queue(): StreamQueue<Command<S, E>> {
    let byDef = queues.get(this.host.store);
    if (byDef === undefined) {
      byDef = new WeakMap();
      queues.set(this.host.store, byDef);
    }
    const queue = byDef.get(this.def);
    if (queue === undefined) {
      const writer: BatchWriter<S, E> = {
        def: this.def,
        get: (id) => this.get(id),
        recentIds: (entity, commands) => this.recentIds(entity, commands),
        check: (id, events, options, lifecycle) => this.check(id, events, options, lifecycle),
        write: (id, before, parts) => this.write(id, before, parts),
      };
      const fresh = new StreamQueue<Command<S, E>>((_stream, batch) => runBatch(writer, batch));
      byDef.set(this.def, fresh as unknown as StreamQueue<unknown>);
      return fresh;
    }
    return queue as unknown as StreamQueue<Command<S, E>>;
  }

  /** The ids of the aggregate's last events, when a command of the batch is keyed. */
  private async recentIds(entity: Entity<S>, commands: readonly Command<S, E>[]): Promise<Set<string>> {
    if (commands.every((c) => c.options.idempotencyKey === undefined)) return new Set();
    const after = Math.max(0, entity.version - IDEMPOTENCY_WINDOW);
    const events = await this.host.store.readStream(this.def.streamOf(entity.id), { after });
    return new Set(events.map((e) => e.id));
  }

  /** True when the events of this key are already in the aggregate's stream. */
  private async applied(entity: Entity<S> | undefined, key: string): Promise<boolean> {
    if (entity === undefined) return false;
    const ids = await this.recentIds(entity, [{ options: { idempotencyKey: key } } as Command<S, E>]);
    return ids.has(keyedEventId(this.def.streamOf(entity.id), key, 0));
  }

  private async commit(
    id: string,
    before: Entity<S> | undefined,
    events: readonly E[],
    options: WriteOptions,
  ): Promise<Entity<S>> {
    try {
      const checked = await this.check(id, events, options, false);
      const stored = await this.write(id, before, [{ before, checked }]);
      return fold(this.def, id, before, stored)!;
    } catch (err) {
      // The same keyed write, done before: not a conflict but a repetition.
      if (
        options.idempotencyKey !== undefined &&
        hasCode(err, "TESSERA_CONFLICT") &&
        (isVersionConflict(err) || isDuplicateId(err))
      ) {
        const current = await this.load(id);
        if (current !== undefined && (await this.applied(current, options.idempotencyKey))) return current;
      }
      throw err;
    }
  }

  /** The events as appended: checked names and data, their schema, metadata and ids keyed per stream. */
  private async check(
    id: string,
    events: readonly E[],
    options: WriteOptions,
    lifecycle: boolean,
  ): Promise<NewEvent[]> {
    const schemas = this.def.options.schemas as
      | Record<string, Parameters<typeof validate>[0] | undefined>
      | undefined;
    const checked: NewEvent[] = [];
    for (const e of events) {
      if (!lifecycle) assertEventType(this.def.name, e.type);
      const schema = schemas?.[e.type];
      const data =
        schema === undefined ? e.data : await validate(schema, e.data, `${this.def.name} event ${e.type}`);
      const version = lifecycle ? undefined : schemaForAppend(this.def, this.host.store, e.type);
      const i = checked.length;
      checked.push({
        type: e.type,
        data,
        ...(version === undefined ? {} : { schema: version }),
        ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
        ...(options.idempotencyKey === undefined
          ? {}
          : { id: keyedEventId(this.def.streamOf(id), options.idempotencyKey, i) }),
      });
    }
    return checked;
  }

  /**
   * One transaction: the events of every part (with the expected version), the inline projections,
   * one set of domain messages per part (per command) and a due snapshot. Returns the stored events.
   */
  private async write(
    id: string,
    before: Entity<S> | undefined,
    parts: readonly { readonly before: Entity<S> | undefined; readonly checked: readonly NewEvent[] }[],
  ): Promise<readonly StoredEvent[]> {
    const checked = parts.flatMap((p) => p.checked);
    const stream = this.def.streamOf(id);
    const expectedVersion = before?.version ?? 0;
    const every = this.def.options.snapshots?.every;
    const inline = this.host.inline;
    const snapshotDue =
      every !== undefined &&
      Math.floor(expectedVersion / every) < Math.floor((expectedVersion + checked.length) / every);
    if (inline.length === 0 && !snapshotDue && (this.def.options.publish ?? "all") === "none") {
      // Nothing to write beside the events: a plain append (group-committed where the store does it).
      return (await this.host.store.append(stream, checked, { expectedVersion })).events;
    }
    const work = async (tx: EventStoreTransaction) => {
      const result = await tx.append(stream, checked, { expectedVersion });
      if (inline.length > 0) await applyInline(inline, result.events, tx);
      const messages = [];
      let at = 0;
      for (const p of parts) {
        const mine = result.events.slice(at, at + p.checked.length);
        at += p.checked.length;
        const after = fold(this.def, id, p.before, mine)!;
        const from = { version: p.before?.version ?? 0, state: p.before?.state };
        messages.push(...domainMessages(this.def, id, mine, from, after.state));
      }
      if (messages.length > 0) await tx.enqueue(messages);
      if (snapshotDue) {
        const after = fold(this.def, id, before, result.events)!;
        await tx.saveSnapshot(stream, markSnapshot(this.def, snapshotOf(this.def, after)));
      }
      return { events: result.events, messages: messages.length };
    };
    const { events, messages } = await this.host.store.transaction(work);
    if (messages > 0) this.host.committed();
    return events;
  }
}

/** Queues per store, then per aggregate: every repository of one aggregate on a store shares one. */
const queues = new WeakMap<EventStore, WeakMap<AggregateDef, StreamQueue<unknown>>>();

export async function applyInline(
  projections: readonly ProjectionDef[],
  events: readonly StoredEvent[],
  tx: EventStoreTransaction,
): Promise<void> {
  const docs = documentsOf(tx);
  for (const p of projections) {
    const sql = sqlFor(p, tx);
    for (const e of events) {
      const projected = p.select(e);
      if (projected !== undefined) await p.handle(projected, docs, sql);
    }
  }
}

export { type Decide, idFromKey, type WriteOptions } from "./write-options.js";
