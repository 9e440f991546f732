import { TesseraError } from "../core/errors.js";
import type { NewEvent, StoredEvent, Upcaster } from "./event-store.js";

/** Upcasters indexed by `type` then `from`, built once per store. */
export type UpcasterIndex = ReadonlyMap<string, ReadonlyMap<number, Upcaster>>;

export function indexUpcasters(upcasters: readonly Upcaster[] = []): UpcasterIndex {
  const index = new Map<string, Map<number, Upcaster>>();
  for (const u of upcasters) {
    const byFrom = index.get(u.type) ?? new Map<number, Upcaster>();
    if (byFrom.has(u.from))
      throw TesseraError.definition(u.type, `two upcasters of ${u.type} from schema ${u.from}`);
    byFrom.set(u.from, u);
    index.set(u.type, byFrom);
  }
  return index;
}

/**
 * Brings a stored event to its current shape by running the chain of upcasters of its type from
 * its stored schema up. An event with no upcaster is returned as it is.
 *
 * @example
 * upcast(event, indexUpcasters([{ type: "deposited", from: 1, up: (d) => ({ amount: (d as { cents: number }).cents / 100 }) }]));
 */
export function upcast<E extends StoredEvent>(event: E, index: UpcasterIndex): E {
  const chain = index.get(event.type);
  if (chain === undefined) return event;
  let data = event.data;
  let schema = event.schema;
  for (let u = chain.get(schema); u !== undefined; u = chain.get(schema)) {
    data = u.up(data, event);
    schema++;
  }
  return schema === event.schema ? event : { ...event, data, schema };
}

/**
 * The schema new events of `type` are stored at when their writer gives none: one past the last
 * upcaster of the type (1 without upcasters), so that upcasters apply only to older events.
 *
 * @example
 * currentSchema(indexUpcasters([{ type: "deposited", from: 1, up }]), "deposited") // 2
 */
export function currentSchema(index: UpcasterIndex, type: string): number {
  const chain = index.get(type);
  return chain === undefined ? 1 : Math.max(...chain.keys()) + 1;
}

/**
 * Events as a store appends them: one without a schema gets its type's current schema, so that an
 * upcaster never runs on a new event (issue 17, bug 1). A given schema is kept: an older one is
 * an event copied as it was written, and is upcast when read.
 */
export function stampSchemas(events: readonly NewEvent[], index: UpcasterIndex): readonly NewEvent[] {
  if (index.size === 0 || events.every((e) => e.schema !== undefined || !index.has(e.type))) return events;
  return events.map((e) =>
    e.schema !== undefined || !index.has(e.type) ? e : { ...e, schema: currentSchema(index, e.type) },
  );
}
