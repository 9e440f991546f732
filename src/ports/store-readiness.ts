import type { ReadinessCheck } from "../core/readiness-probe.js";
import type { DeclaredFlowStore } from "./declared-flow-store.js";
import type { EventStore } from "./event-store.js";
import type { FlowStore } from "./flow-store.js";

const locations = new WeakMap<object, string>();

/**
 * Records where a store is (a URL already masked, e.g. `postgres://app:***@db:5432/app`), so that
 * `/ready` names it when it does not answer. The composition that opened it knows; the store need not.
 */
export function locateStore<T extends object>(store: T, location: string): T {
  locations.set(store, location);
  return store;
}

function check(name: string, store: object, ping: () => Promise<unknown>): ReadinessCheck {
  const target = locations.get(store);
  return target === undefined ? { name, ping } : { name, target, ping };
}

// Each ping is one cheap read of the store's own tables (an index lookup or a max): it fails when
// the database does not answer and when the store's tables cannot be read.
const absent = "__tessera_ready";

/** The readiness check of an event store: a stream's version (its head position would sequence). */
export function eventStoreCheck(store: EventStore): ReadinessCheck {
  return check("event store", store, () => store.streamVersion(absent));
}

/** The readiness check of a flow store: a run looked up by id. */
export function flowStoreCheck(store: FlowStore): ReadinessCheck {
  return check("flow store", store, () => store.getRun(absent));
}

/** The readiness check of a declared flow store: a service looked up by name. */
export function declaredFlowStoreCheck(store: DeclaredFlowStore): ReadinessCheck {
  return check("declared flow store", store, () => store.getService(absent));
}
