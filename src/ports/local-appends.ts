import type { EventStore, EventSubscription, SubscribeOptions } from "./event-store.js";
import { pollingSubscription } from "./polling-subscription.js";

/**
 * The subscriptions of one event store and the wake-up its local commits give them: a store calls
 * `notify()` after a commit that added events, so that its subscribers read at once instead of at
 * their next poll (appends of other processes are found by polling).
 *
 * @example
 * const appends = new LocalAppends();
 * subscribe(options) { return appends.subscribe(this, options); }
 */
export class LocalAppends {
  private readonly listeners = new Set<() => void>();

  /** Wakes every subscription of the store. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** A subscription on the store's global log (see {@link pollingSubscription}). */
  subscribe(
    store: Pick<EventStore, "readAll" | "headPosition">,
    options: SubscribeOptions,
  ): EventSubscription {
    return pollingSubscription(
      {
        readAll: (after, limit) => store.readAll({ after, limit }),
        headPosition: () => store.headPosition(),
        onAppend: (listener) => {
          this.listeners.add(listener);
          return () => this.listeners.delete(listener);
        },
      },
      options,
    );
  }

  /** Forgets every subscription's wake-up (the store closes). */
  clear(): void {
    this.listeners.clear();
  }
}
