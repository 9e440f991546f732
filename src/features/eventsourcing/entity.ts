import { withWireDates } from "../../core/wire-dates.js";
import type { Snapshot, StoredEvent } from "../../ports/event-store.js";
import { type AggregateDef, DELETED } from "./aggregate.js";
import type { DomainEvent } from "./domain-event.js";

/**
 * A loaded aggregate: the root-entity conveniences around its state. `version` is the number of
 * events of its stream, the expected version of its next save.
 *
 * Its JSON form (HTTP answers, the bus) is `{id, version, createdAt, updatedAt, deleted, state}`
 * with the dates as ISO strings; an entry's caller on another node reads it back with `Date`s, as
 * in one process.
 */
export interface Entity<S> {
  readonly id: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly deleted: boolean;
  readonly state: S;
}

/** What a snapshot keeps of an entity. */
interface SnapshotState<S> {
  readonly state: S;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deleted: boolean;
}

/** Folds events into an entity (from scratch when `from` is undefined). Pure. */
export function fold<S, E extends DomainEvent>(
  def: AggregateDef<string, S, E>,
  id: string,
  from: Entity<S> | undefined,
  events: readonly StoredEvent[],
): Entity<S> | undefined {
  let entity = from;
  for (const e of events) {
    const base = entity ?? {
      id,
      version: 0,
      createdAt: e.recordedAt,
      updatedAt: e.recordedAt,
      deleted: false,
      state: def.options.initial(),
    };
    const deleted = e.type === DELETED;
    entity = {
      ...base,
      version: e.version,
      updatedAt: e.recordedAt,
      deleted: base.deleted || deleted,
      state: deleted ? base.state : def.options.evolve(base.state, e as unknown as E),
    };
  }
  return entity === from || entity === undefined ? entity : wireEntity(entity);
}

const entityDates = ["createdAt", "updatedAt"] as const;

/** The entity with its JSON form (ISO dates) and the mark that lets a remote caller read Dates back. */
function wireEntity<S>(entity: Entity<S>): Entity<S> {
  return withWireDates(entity, entityDates);
}

export function snapshotOf<S>(def: AggregateDef<string, S>, entity: Entity<S>): Snapshot<SnapshotState<S>> {
  return {
    version: entity.version,
    schema: def.options.snapshots?.version ?? 1,
    state: {
      state: entity.state,
      createdAt: entity.createdAt.toISOString(),
      updatedAt: entity.updatedAt.toISOString(),
      deleted: entity.deleted,
    },
  };
}

/** The entity a snapshot holds, or undefined when it was taken of another state shape. */
export function entityOfSnapshot<S>(
  def: AggregateDef<string, S>,
  id: string,
  snapshot: Snapshot<SnapshotState<S>> | undefined,
): Entity<S> | undefined {
  if (snapshot === undefined || snapshot.schema !== (def.options.snapshots?.version ?? 1)) return undefined;
  const s = snapshot.state;
  return wireEntity({
    id,
    version: snapshot.version,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
    deleted: s.deleted,
    state: s.state,
  });
}
