import type { Codec } from "../../core/codec.js";
import type { LastValues } from "../../core/durable-streams.js";
import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { validate } from "../../core/schema.js";
import type { Transport } from "../../core/transport.js";
import type { TransportSubscription } from "../../core/transport-message.js";
import { type Delta, mergeDelta, mergeInPlace, type StateMessage } from "./delta.js";
import { checksKeysAlone } from "./delta-check.js";
import type { StateChange, StateDef, StateHandle } from "./state.js";
import { decodeStored, type StoredState, stateSubjects } from "./state-wire.js";

/** What an owner or a holder needs of its node. */
export interface StateHost {
  readonly transport: Transport;
  readonly codec: Codec;
  readonly logger: Logger;
}

export interface OwnerOptions {
  /** Least time between two writes of the value to the last-value store (default 20 ms). */
  readonly persistMs?: number;
  /** A beat with the current number goes out after this long without an update (default 1000 ms). */
  readonly beatMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The last epoch this process gave an owner. */
let lastEpoch = 0;

/**
 * The epoch of a new incarnation: after the stored one, never before the clock, and after any
 * this process gave before. An incarnation whose store failed at start wrote nothing and took the
 * time as its epoch; the next one, with its store back, would otherwise take the stored epoch + 1,
 * smaller, and its holders would ignore it as older for ever. Two incarnations in the same
 * millisecond (an owner stopped and started again in one process) would otherwise share an epoch.
 */
function nextEpoch(stored: number | undefined): number {
  lastEpoch = Math.max((stored ?? 0) + 1, Date.now(), lastEpoch + 1);
  return lastEpoch;
}

/**
 * The owner's side of a state: the value and its number, updated by `set` (a full update) and
 * `patch` (a delta), each checked by the schema and sent to the holders in order. The value, its
 * number and the owner's epoch are written behind to the transport's last-value store (at most
 * one write in flight, `persistMs` apart), so that a restarted owner resumes its numbering under a
 * new, greater epoch (time-ordered: see {@link nextEpoch}) and holders can read a snapshot while
 * it is down. Snapshot requests are answered with
 * the current value and number.
 */
export class StateOwner<T extends object> implements StateHandle<T> {
  private current: Readonly<T>;
  private number = 0;
  private incarnation = 0;
  private readonly listeners = new Set<(change: StateChange<T>) => void>();
  private subscription: TransportSubscription | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private sentSinceBeat = false;
  private dirty = false;
  private writing: Promise<void> | undefined;
  private running = false;
  private readonly persistMs: number;
  private readonly beatMs: number;
  private readonly log: Logger;
  private readonly keysAlone: boolean;
  /** Where the value is kept between incarnations (none: the transport has no store, or it failed at start). */
  private store: LastValues | undefined;

  constructor(
    readonly def: StateDef<string, T>,
    private readonly host: StateHost,
    options: OwnerOptions = {},
  ) {
    this.current = { ...def.initial } as T;
    this.persistMs = options.persistMs ?? 20;
    this.beatMs = options.beatMs ?? 1000;
    this.log = host.logger.child({ state: def.name, role: "owner" });
    this.keysAlone = checksKeysAlone(def.schema);
  }

  get value(): Readonly<T> {
    return this.current;
  }
  get seq(): number {
    return this.number;
  }
  get epoch(): number {
    return this.incarnation;
  }
  get synced(): boolean {
    return this.running;
  }

  onChange(listener: (change: StateChange<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resumes from the stored value (under the next epoch), claims the epoch, serves snapshots and announces the value. */
  async start(): Promise<void> {
    const { transport, codec } = this.host;
    const name = this.def.name;
    this.store = transport.lastValues;
    try {
      if (this.store !== undefined) await this.resume(this.store);
    } catch (err) {
      // E.g. NATS without JetStream: the state works, its numbering does not survive the process.
      this.log.warn("no last-value store: the state's number will not survive a restart", { err });
      this.store = undefined;
    }
    // Nothing survives this process: the epoch comes from the clock alone (see `nextEpoch`).
    if (this.store === undefined) this.incarnation = nextEpoch(undefined);
    this.subscription = await transport.respond(
      stateSubjects.snapshot(name),
      { queue: `state.${name}` },
      () => ({
        data: codec.encode(this.snapshotMessage()),
      }),
    );
    this.running = true;
    // Holders that synchronised with an earlier incarnation replace their copy now.
    await this.send(this.snapshotMessage());
    this.beatTimer = setInterval(() => {
      if (this.sentSinceBeat) {
        this.sentSinceBeat = false;
        return;
      }
      void this.send({ epoch: this.incarnation, seq: this.number, beat: true }).catch(() => undefined);
    }, this.beatMs);
    this.beatTimer.unref();
  }

  /** Takes the stored value and number, and claims the next epoch before anything is sent under it. */
  private async resume(store: LastValues): Promise<void> {
    const raw = await store.get(stateSubjects.stored(this.def.name));
    const stored = raw === undefined ? undefined : decodeStored(this.host.codec, raw);
    if (stored !== undefined) {
      this.number = stored.seq;
      try {
        this.current = { ...this.check(stored.value) };
      } catch (err) {
        this.log.warn("the stored value fails the state's schema: starting from the initial value", { err });
      }
    }
    this.incarnation = nextEpoch(stored?.epoch);
    // A restart never reuses an epoch.
    await store.put(stateSubjects.stored(this.def.name), this.encodeStored());
  }

  /** Stores the value one last time, then stops answering snapshots. */
  async stop(): Promise<void> {
    if (!this.running) return;
    clearInterval(this.beatTimer);
    await this.flush().catch((err: unknown) => this.log.warn("could not store the state on stop", { err }));
    this.running = false;
    await this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  set(value: T): Promise<void> {
    let checked: T;
    try {
      this.ready();
      checked = this.check(value);
    } catch (err) {
      return Promise.reject(err);
    }
    const previous = this.current;
    // The owner's own object, updated in place by the deltas that follow.
    this.current = { ...checked };
    this.number++;
    this.changed({ kind: "snapshot", previous });
    return this.send(this.snapshotMessage());
  }

  patch(delta: Delta<T>): Promise<void> {
    let sent = delta as Record<string, unknown>;
    try {
      this.ready();
      if (this.keysAlone) {
        // A map: the delta's keys are checked alone, sent as checked, merged in place.
        sent = this.checkKeys(sent);
        mergeInPlace(this.current as Record<string, unknown>, sent);
      } else {
        this.current = this.check(mergeDelta(this.current, sent));
      }
    } catch (err) {
      return Promise.reject(err);
    }
    this.number++;
    this.changed({ kind: "delta", delta: sent as Delta<T> });
    return this.send({ epoch: this.incarnation, seq: this.number, isSnapshot: false, data: sent });
  }

  flush(): Promise<void> {
    if (this.store === undefined) return Promise.resolve();
    this.dirty = true;
    this.writing ??= this.writeBehind();
    return this.writing;
  }

  private ready(): void {
    if (!this.running)
      throw TesseraError.unavailable(`state ${this.def.name} is not served yet (its node is not running)`);
  }

  /** A map's delta: its set keys checked alone (deletions need no check). */
  private checkKeys(delta: Record<string, unknown>): Record<string, unknown> {
    const set: Record<string, unknown> = {};
    let deletes = false;
    for (const key in delta) {
      if (delta[key] === null || delta[key] === undefined) deletes = true;
      else set[key] = delta[key];
    }
    const checked = this.check(set) as Record<string, unknown>;
    if (!deletes) return checked;
    const out: Record<string, unknown> = { ...checked };
    for (const key in delta) if (delta[key] === null) out[key] = null;
    return out;
  }

  private check(value: unknown): T {
    const out = validate(this.def.schema, value, `state ${this.def.name}`);
    if (out instanceof Promise) {
      throw TesseraError.definition(
        this.def.name,
        `state ${this.def.name}: asynchronous schemas cannot check a state`,
      );
    }
    return out as T;
  }

  private snapshotMessage(): StateMessage {
    return {
      epoch: this.incarnation,
      seq: this.number,
      isSnapshot: true,
      data: this.current as Readonly<Record<string, unknown>>,
    };
  }

  private encodeStored(): Uint8Array {
    const stored: StoredState = {
      epoch: this.incarnation,
      seq: this.number,
      value: this.current as Readonly<Record<string, unknown>>,
    };
    return this.host.codec.encode(stored);
  }

  private send(msg: StateMessage): Promise<void> {
    this.sentSinceBeat = true;
    if (!("beat" in msg) && this.store !== undefined) {
      this.dirty = true;
      if (this.writing === undefined) {
        this.writing = this.writeBehind();
        this.writing.catch((err: unknown) => this.log.warn("could not store the state", { err }));
      }
    }
    return this.host.transport.publish(stateSubjects.updates(this.def.name), this.host.codec.encode(msg));
  }

  private changed(change: { kind: StateChange<T>["kind"]; previous?: Readonly<T>; delta?: Delta<T> }): void {
    if (this.listeners.size === 0) return;
    const full: StateChange<T> = {
      state: this.def.name,
      value: this.current,
      epoch: this.incarnation,
      seq: this.number,
      ...change,
    };
    for (const listener of this.listeners) {
      try {
        listener(full);
      } catch (err) {
        this.log.error("a change listener failed", { err });
      }
    }
  }

  /** One write at a time, `persistMs` apart, until nothing changed since the last one. */
  private async writeBehind(): Promise<void> {
    const store = this.store;
    try {
      while (this.dirty && store !== undefined) {
        this.dirty = false;
        await store.put(stateSubjects.stored(this.def.name), this.encodeStored());
        if (this.dirty) await sleep(this.persistMs);
      }
    } finally {
      this.writing = undefined;
    }
  }
}
