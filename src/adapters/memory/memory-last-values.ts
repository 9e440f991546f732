import type { LastValues } from "../../core/durable-streams.js";
import { TesseraError } from "../../core/errors.js";
import { isValidSubject } from "../../core/subject-grammar.js";
import type { MemoryBus } from "./memory-bus.js";

// One store per bus, as one JetStream stream per NATS server: every transport of the bus sees it.
const stores = new WeakMap<MemoryBus, Map<string, Uint8Array>>();

function checkKey(key: string): void {
  if (!isValidSubject(key)) throw TesseraError.badRequest(`invalid key "${key}"`);
}

/**
 * The last-value store of a memory bus: kept as long as the bus lives, shared by its transports.
 * Values are copied in and out, so that no caller shares memory with another.
 */
export function memoryLastValues(bus: MemoryBus): LastValues {
  let map = stores.get(bus);
  if (map === undefined) {
    map = new Map();
    stores.set(bus, map);
  }
  const values = map;
  return {
    async put(key, data) {
      checkKey(key);
      values.set(key, data.slice());
    },
    async get(key) {
      checkKey(key);
      return values.get(key)?.slice();
    },
    async delete(key) {
      checkKey(key);
      values.delete(key);
    },
  };
}
