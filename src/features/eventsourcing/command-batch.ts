import { hasCode, TesseraError } from "../../core/errors.js";
import type { NewEvent, StoredEvent } from "../../ports/event-store.js";
import type { AggregateDef } from "./aggregate.js";
import type { DomainEvent } from "./domain-event.js";
import { type Entity, fold } from "./entity.js";
import { type Decide, isVersionConflict, keyedEventId, type WriteOptions } from "./write-options.js";

/** A command waiting in its stream's queue. */
export interface Command<S, E extends DomainEvent> {
  readonly id: string;
  readonly decide: Decide<S, E>;
  readonly options: WriteOptions & { retries?: number };
  /** The repository's own deletion (its event is not the aggregate's). */
  readonly delete?: boolean;
  resolve(entity: Entity<S>): void;
  reject(err: unknown): void;
}

/** One command's share of a batch: its events and the entity it decided on. */
export interface Part<S, E extends DomainEvent> {
  readonly command: Command<S, E>;
  readonly before: Entity<S>;
  readonly checked: readonly NewEvent[];
}

/** What a batch needs of its repository. */
export interface BatchWriter<S, E extends DomainEvent> {
  readonly def: AggregateDef<string, S, E>;
  get(id: string): Promise<Entity<S>>;
  recentIds(entity: Entity<S>, commands: readonly Command<S, E>[]): Promise<Set<string>>;
  check(id: string, events: readonly E[], options: WriteOptions, lifecycle: boolean): Promise<NewEvent[]>;
  write(
    id: string,
    before: Entity<S> | undefined,
    parts: readonly { readonly before: Entity<S> | undefined; readonly checked: readonly NewEvent[] }[],
  ): Promise<readonly StoredEvent[]>;
}

const asArray = <E>(events: E | readonly E[]): readonly E[] =>
  Array.isArray(events) ? (events as readonly E[]) : [events as E];

/**
 * One batch of commands on one aggregate: each decided in order on the state the previous ones
 * left, all written in one append; on a version conflict with another process, loaded and
 * decided again. Answers every command (never throws).
 */
/** One batch of commands on one aggregate: decided in order, written in one append. */
export async function runBatch<S, E extends DomainEvent>(
  w: BatchWriter<S, E>,
  batch: readonly Command<S, E>[],
): Promise<void> {
  let live = batch;
  for (let attempt = 0; live.length > 0; attempt++) {
    const id = live[0]!.id;
    let entity: Entity<S>;
    let seen: Set<string>;
    try {
      entity = await w.get(id);
      seen = await w.recentIds(entity, live);
    } catch (err) {
      for (const c of live) c.reject(err);
      return;
    }
    const parts: Part<S, E>[] = [];
    let current = entity;
    for (const c of live) {
      const key = c.options.idempotencyKey;
      if (key !== undefined && seen.has(keyedEventId(w.def.streamOf(id), key, 0))) {
        c.resolve(current);
        continue;
      }
      if (current.deleted) {
        c.reject(TesseraError.notFound(`${w.def.name} ${id} not found`));
        continue;
      }
      try {
        const events = asArray(c.decide(current.state, current));
        if (events.length === 0) {
          c.resolve(current);
          continue;
        }
        const checked = await w.check(id, events, c.options, c.delete === true);
        parts.push({ command: c, before: current, checked });
        if (key !== undefined) seen.add(keyedEventId(w.def.streamOf(id), key, 0));
        current = advance(w.def, current, checked);
      } catch (err) {
        c.reject(err);
      }
    }
    if (parts.length === 0) return;
    try {
      const stored = await w.write(id, entity, parts);
      let at = 0;
      for (const p of parts) {
        const mine = stored.slice(at, at + p.checked.length);
        at += p.checked.length;
        p.command.resolve(fold(w.def, id, p.before, mine) ?? p.before);
      }
      return;
    } catch (err) {
      const retries = Math.max(...parts.map((p) => p.command.options.retries ?? 50));
      if (!hasCode(err, "TESSERA_CONFLICT") || !isVersionConflict(err) || attempt >= retries) {
        for (const p of parts) p.command.reject(err);
        return;
      }
      live = parts.map((p) => p.command);
      // Full jitter: the losers of a round spread out instead of colliding again.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
    }
  }
}

/** The entity after events not yet stored (the next command of a batch decides on it). */
function advance<S>(def: AggregateDef<string, S>, entity: Entity<S>, events: readonly NewEvent[]): Entity<S> {
  const pending = events.map(
    (e, i): StoredEvent => ({
      id: "",
      stream: "",
      version: entity.version + i + 1,
      type: e.type,
      data: e.data,
      schema: e.schema ?? 1,
      metadata: e.metadata ?? {},
      recordedAt: entity.updatedAt,
    }),
  );
  return fold(def as AggregateDef<string, S, DomainEvent>, entity.id, entity, pending) ?? entity;
}
