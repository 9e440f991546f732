import type { LastValues } from "../../core/durable-streams.js";
import { TesseraError } from "../../core/errors.js";
import { isValidSubject } from "../../core/subject-grammar.js";
import type { MemoryBus } from "./memory-bus.js";

interface Stored {
  readonly data: Uint8Array;
  readonly revision: number;
}

// One store per bus, as one JetStream stream per NATS server: every transport of the bus sees it.
const stores = new WeakMap<MemoryBus, { readonly values: Map<string, Stored>; revision: number }>();

function checkKey(key: string): void {
  if (!isValidSubject(key)) throw TesseraError.badRequest(`invalid key "${key}"`);
}

/**
 * The last-value store of a memory bus: kept as long as the bus lives, shared by its transports.
 * Values are copied in and out, so that no caller shares memory with another. Revisions grow
 * across the bus's keys, as a stream's sequence numbers.
 */
export function memoryLastValues(bus: MemoryBus): LastValues {
  let store = stores.get(bus);
  if (store === undefined) {
    store = { values: new Map(), revision: 0 };
    stores.set(bus, store);
  }
  const kept = store;
  const { values } = kept;
  return {
    async put(key, data) {
      checkKey(key);
      values.set(key, { data: data.slice(), revision: ++kept.revision });
    },
    async get(key) {
      checkKey(key);
      return values.get(key)?.data.slice();
    },
    async delete(key) {
      checkKey(key);
      values.delete(key);
    },
    async entry(key) {
      checkKey(key);
      const e = values.get(key);
      return e === undefined ? undefined : { data: e.data.slice(), revision: e.revision };
    },
    async putIf(key, data, revision) {
      checkKey(key);
      if ((values.get(key)?.revision ?? 0) !== revision) return undefined;
      const next = ++kept.revision;
      values.set(key, { data: data.slice(), revision: next });
      return next;
    },
  };
}
