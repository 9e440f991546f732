import { createHash, randomUUID } from "node:crypto";
import { hasCode, TesseraError } from "../../core/errors.js";
import { validate } from "../../core/schema.js";
import type { EventStore, EventStoreTransaction, NewEvent, StoredEvent } from "../../ports/event-store.js";
import { type AggregateDef, DELETED } from "./aggregate.js";
import type { DomainEvent } from "./domain-event.js";
import { domainMessages } from "./domain-events.js";
import { type Entity, entityOfSnapshot, fold, snapshotOf } from "./entity.js";
import type { Documents, ProjectionDef } from "./projection.js";

/** What a repository needs of the event-sourcing runtime. */
export interface RepositoryHost {
  readonly store: EventStore;
  /** Inline projections, applied in the append's transaction. */
  readonly inline: readonly ProjectionDef[];
  /** Called after each commit (wakes the outbox relay). */
  committed(): void;
}

/** A pure decision: the events a command produces from the current state (throw to refuse). */
export type Decide<S, E extends DomainEvent> = (state: S, entity: Entity<S> | undefined) => E | readonly E[];

export interface WriteOptions {
  /** Metadata stored with each event (who, why, correlation ids…). */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /**
   * Makes the write idempotent (a saga step replayed after a crash, a retried request): the
   * events' ids derive from the key, and `update` / `save` / `create` with a key whose events are
   * among the aggregate's last 1,000 return the aggregate without deciding or appending again.
   */
  readonly idempotencyKey?: string;
}

/** How far back `idempotencyKey` is looked for. */
const IDEMPOTENCY_WINDOW = 1000;

/** A UUID (version 8, name-based) derived from a key: the same key always gives the same id. */
export function idFromKey(key: string): string {
  const h = createHash("sha256").update(key).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
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
        : entityOfSnapshot(this.def, id, await this.host.store.loadSnapshot(stream));
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
   * Live entities in id order, optionally filtered. It reads every stream of the aggregate: fine for
   * a handful, a read model for anything more.
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

  /** Creates an aggregate from the events of `decide` (on the initial state); conflict if the id exists. */
  async create(decide: Decide<S, E>, options: WriteOptions & { id?: string } = {}): Promise<Entity<S>> {
    const id = options.id ?? randomUUID();
    const events = asArray(decide(this.def.options.initial(), undefined));
    if (events.length === 0)
      throw TesseraError.badRequest(`${this.def.name}: creating needs at least one event`);
    return this.commit(id, undefined, events, options);
  }

  /** Appends events to a loaded entity, expecting it unchanged since (else `TESSERA_CONFLICT`). */
  save(entity: Entity<S>, events: E | readonly E[], options: WriteOptions = {}): Promise<Entity<S>> {
    if (entity.deleted)
      return Promise.reject(TesseraError.notFound(`${this.def.name} ${entity.id} not found`));
    const list = asArray(events);
    return list.length === 0 ? Promise.resolve(entity) : this.commit(entity.id, entity, list, options);
  }

  /**
   * Loads, decides, saves; on a version conflict, loads again and decides again after a short
   * random pause (up to `retries` times, default 50: each round one writer wins, so that many
   * concurrent writers all get through). A decision that throws appends nothing.
   */
  async update(
    id: string,
    decide: Decide<S, E>,
    options: WriteOptions & { retries?: number } = {},
  ): Promise<Entity<S>> {
    for (let attempt = 0; ; attempt++) {
      const entity = await this.get(id);
      if (options.idempotencyKey !== undefined && (await this.applied(entity, options.idempotencyKey)))
        return entity;
      try {
        return await this.save(entity, decide(entity.state, entity), options);
      } catch (err) {
        if (
          !hasCode(err, "TESSERA_CONFLICT") ||
          attempt >= (options.retries ?? 50) ||
          !isVersionConflict(err)
        ) {
          throw err;
        }
        // Full jitter: the losers of a round spread out instead of colliding again.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
      }
    }
  }

  /** Marks the aggregate deleted (`{Aggregate}Deleted` is published); its stream stays. */
  async delete(id: string, options: WriteOptions = {}): Promise<void> {
    const entity = await this.get(id);
    await this.commit(id, entity, [{ type: DELETED, data: {} } as unknown as E], options);
  }

  /** Saves a snapshot of the aggregate now (loading then starts from it). */
  async snapshot(id: string): Promise<void> {
    const entity = await this.load(id);
    if (entity === undefined) throw TesseraError.notFound(`${this.def.name} ${id} not found`);
    await this.host.store.saveSnapshot(this.def.streamOf(id), snapshotOf(this.def, entity));
  }

  private keyed(options: WriteOptions, i: number): { id?: string } {
    return options.idempotencyKey === undefined ? {} : { id: idFromKey(`${options.idempotencyKey}:${i}`) };
  }

  /** True when the events of this key are already in the aggregate's stream. */
  private async applied(entity: Entity<S> | undefined, key: string): Promise<boolean> {
    if (entity === undefined) return false;
    const first = idFromKey(`${key}:0`);
    const after = Math.max(0, entity.version - IDEMPOTENCY_WINDOW);
    const events = await this.host.store.readStream(this.def.streamOf(entity.id), { after });
    return events.some((e) => e.id === first);
  }

  private async commit(
    id: string,
    before: Entity<S> | undefined,
    events: readonly E[],
    options: WriteOptions,
  ): Promise<Entity<S>> {
    try {
      return await this.commitOnce(id, before, events, options);
    } catch (err) {
      // The same keyed write, done before: not a conflict but a repetition.
      if (
        options.idempotencyKey !== undefined &&
        hasCode(err, "TESSERA_CONFLICT") &&
        isVersionConflict(err)
      ) {
        const current = await this.load(id);
        if (current !== undefined && (await this.applied(current, options.idempotencyKey))) return current;
      }
      throw err;
    }
  }

  private async commitOnce(
    id: string,
    before: Entity<S> | undefined,
    events: readonly E[],
    options: WriteOptions,
  ): Promise<Entity<S>> {
    const schemas = this.def.options.schemas as
      | Record<string, Parameters<typeof validate>[0] | undefined>
      | undefined;
    const checked: NewEvent[] = [];
    for (const e of events) {
      const schema = schemas?.[e.type];
      const data =
        schema === undefined ? e.data : await validate(schema, e.data, `${this.def.name} event ${e.type}`);
      const i = checked.length;
      checked.push(
        options.metadata === undefined
          ? { type: e.type, data, ...this.keyed(options, i) }
          : { type: e.type, data, metadata: options.metadata, ...this.keyed(options, i) },
      );
    }
    const stream = this.def.streamOf(id);
    const expectedVersion = before?.version ?? 0;
    const every = this.def.options.snapshots?.every;
    const inline = this.host.inline;
    const work = async (tx: EventStoreTransaction) => {
      const result = await tx.append(stream, checked, { expectedVersion });
      const after = fold(this.def, id, before, result.events)!;
      if (inline.length > 0) await applyInline(inline, result.events, documentsOf(tx));
      const messages = domainMessages(
        this.def,
        id,
        result.events,
        { version: expectedVersion, state: before?.state },
        after.state,
      );
      if (messages.length > 0) await tx.enqueue(messages);
      if (every !== undefined && Math.floor(expectedVersion / every) < Math.floor(after.version / every)) {
        await tx.saveSnapshot(stream, snapshotOf(this.def, after));
      }
      return { after, messages: messages.length };
    };
    const snapshotDue =
      every !== undefined &&
      Math.floor(expectedVersion / every) < Math.floor((expectedVersion + checked.length) / every);
    if (inline.length === 0 && !snapshotDue && (this.def.options.publish ?? "all") === "none") {
      // Nothing to write beside the events: a plain append (group-committed where the store does it).
      const result = await this.host.store.append(stream, checked, { expectedVersion });
      return fold(this.def, id, before, result.events)!;
    }
    const { after, messages } = await this.host.store.transaction(work);
    if (messages > 0) this.host.committed();
    return after;
  }
}

function isVersionConflict(err: TesseraError): boolean {
  return typeof (err.details as { currentVersion?: unknown } | undefined)?.currentVersion === "number";
}

export async function applyInline(
  projections: readonly ProjectionDef[],
  events: readonly StoredEvent[],
  docs: Documents,
): Promise<void> {
  for (const p of projections) {
    for (const e of events) {
      const projected = p.select(e);
      if (projected !== undefined) await p.handle(projected, docs);
    }
  }
}
