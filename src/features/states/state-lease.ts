import type { Codec } from "../../core/codec.js";
import type { LastValues } from "../../core/durable-streams.js";
import { TesseraError } from "../../core/errors.js";
import { decodeStored, type StoredState } from "./state-wire.js";

/** Claims that lose a race to another owner's, tried again at most this many times. */
const ATTEMPTS = 8;

/** The last epoch this process gave an owner. */
let lastEpoch = 0;

/**
 * The epoch of a new incarnation: after the stored one, never before the clock, and after any
 * this process gave before. An incarnation whose store failed at start wrote nothing and took the
 * time as its epoch; the next one, with its store back, would otherwise take the stored epoch + 1,
 * smaller, and its holders would ignore it as older for ever. Two incarnations in the same
 * millisecond (an owner stopped and started again in one process) would otherwise share an epoch.
 */
export function nextEpoch(stored: number | undefined): number {
  lastEpoch = Math.max((stored ?? 0) + 1, Date.now(), lastEpoch + 1);
  return lastEpoch;
}

/** A store failure that may pass (the broker degraded), not a store that is missing or refuses. */
export function storeNotAnswering(err: unknown): boolean {
  return err instanceof TesseraError && err.code === "TESSERA_UNAVAILABLE";
}

/**
 * An owner's hold on its state's stored value: one owner per state. The owner claims its epoch
 * with a compare-and-set on the last-value store (the key's revision), and writes only over the
 * revision it wrote last; a write that finds a newer epoch stored tells the owner to stand down,
 * so a stale owner never overwrites a newer one's value. A store without compare-and-set gets
 * plain puts (no fencing there; the claim subject still fences).
 */
export class StateLease {
  /** The revision this owner wrote last (0: none). */
  private revision = 0;

  constructor(
    private readonly store: LastValues,
    private readonly key: string,
    private readonly codec: Codec,
  ) {}

  /**
   * Reads the stored state and stores the claim `take` returns for it (the owner takes the stored
   * value and number and picks its epoch); a claim that another owner's overtook is made again
   * over that one. Resolves what was stored before the claim.
   */
  async claim(take: (stored: StoredState | undefined) => Uint8Array): Promise<StoredState | undefined> {
    const { store, key } = this;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const entry =
        store.entry !== undefined
          ? await store.entry(key)
          : await store.get(key).then((data) => (data === undefined ? undefined : { data, revision: 0 }));
      const stored = entry === undefined ? undefined : decodeStored(this.codec, entry.data);
      const data = take(stored);
      if (store.putIf === undefined) {
        await store.put(key, data);
        return stored;
      }
      const revision = await store.putIf(key, data, entry?.revision ?? 0);
      if (revision !== undefined) {
        this.revision = revision;
        return stored;
      }
    }
    throw TesseraError.conflict(`${key}: other owners kept claiming the state at the same time`);
  }

  /** Stores `data` of `epoch`: `undefined` once stored, or the newer epoch that holds the state now. */
  async write(data: Uint8Array, epoch: number): Promise<number | undefined> {
    const { store, key } = this;
    if (store.putIf === undefined || store.entry === undefined) {
      await store.put(key, data);
      return undefined;
    }
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const revision = await store.putIf(key, data, this.revision);
      if (revision !== undefined) {
        this.revision = revision;
        return undefined;
      }
      const entry = await store.entry(key);
      const stored = entry === undefined ? undefined : decodeStored(this.codec, entry.data);
      if (stored !== undefined && stored.epoch > epoch) return stored.epoch;
      // Our own write whose answer was lost, an older epoch's value, or nothing: write over it.
      this.revision = entry?.revision ?? 0;
    }
    throw TesseraError.conflict(`${key}: the stored state kept changing under its owner`);
  }
}
