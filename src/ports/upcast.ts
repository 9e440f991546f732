import { TesseraError } from "../core/errors.js";
import type { StoredEvent, Upcaster } from "./event-store.js";

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
