import { TesseraError } from "../../core/errors.js";
import type { EventStore, Snapshot } from "../../ports/event-store.js";
import type { AggregateDef } from "./aggregate.js";

/**
 * The schema version an aggregate declares for new events of `type` (`eventSchemaVersions` over
 * `schemaVersion`), or undefined when it declares none: the store then stores them at its current
 * schema (one past the type's last upcaster).
 *
 * @example
 * declaredSchema(aggregate("account", { initial, evolve, schemaVersion: 2 }), "deposited") // 2
 */
export function declaredSchema(def: AggregateDef, type: string): number | undefined {
  const perType = def.options.eventSchemaVersions as Readonly<Record<string, number | undefined>> | undefined;
  return perType?.[type] ?? def.options.schemaVersion;
}

/**
 * The schema a new event of `type` is appended at; `TESSERA_DEFINITION` when the aggregate declares
 * one that the store's upcasters treat as old (they would run on every read of the new event: the
 * issue's `{cents: NaN}`).
 */
export function schemaForAppend(def: AggregateDef, store: EventStore, type: string): number | undefined {
  const declared = declaredSchema(def, type);
  if (declared === undefined) return undefined;
  const current = store.currentSchema(type);
  if (declared < current) {
    throw TesseraError.definition(
      `${def.name}.${type}`,
      `aggregate ${def.name} declares schema ${declared} for event ${type}, but the event store upcasts ` +
        `${type} up to schema ${current}: declare schemaVersion ${current} (or eventSchemaVersions)`,
    );
  }
  return declared;
}

/**
 * What a snapshot records of the schemas its state was folded at: `"2"`, or `"2;deposited=3"` with
 * per-type versions (sorted). Snapshots written before schema versions existed read as `"1"`.
 */
export function schemaMark(def: AggregateDef): string {
  const perType = Object.entries(
    (def.options.eventSchemaVersions ?? {}) as Readonly<Record<string, number | undefined>>,
  )
    .filter((entry): entry is [string, number] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([t, v]) => `;${t}=${v}`)
    .join("");
  return `${def.options.schemaVersion ?? 1}${perType}`;
}

interface MarkedState {
  readonly schemas?: string;
}

/** The snapshot with the schemas it was taken at (kept in its state). */
export function markSnapshot<S>(def: AggregateDef, snapshot: Snapshot<S>): Snapshot<S & MarkedState> {
  return { ...snapshot, state: { ...snapshot.state, schemas: schemaMark(def) } };
}

/**
 * The snapshot when it was taken at the aggregate's current schemas, else undefined: an old-schema
 * snapshot is never used as if current, the aggregate is rebuilt from its events (the log is the
 * truth; a snapshot is a cache).
 */
export function currentSnapshot<S>(
  def: AggregateDef,
  snapshot: Snapshot<S> | undefined,
): Snapshot<S> | undefined {
  if (snapshot === undefined) return undefined;
  const taken = (snapshot.state as MarkedState | null)?.schemas ?? "1";
  return taken === schemaMark(def) ? snapshot : undefined;
}
