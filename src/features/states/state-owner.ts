import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { RepeatedFailure } from "../../core/repeated-failure.js";
import type { TransportSubscription } from "../../core/transport-message.js";
import { checkStateValue } from "./check-state-value.js";
import type { Delta, StateMessage } from "./delta.js";
import { checksKeysAlone } from "./delta-check.js";
import { listenToClaims } from "./owner-claims.js";
import { applyToOwn, deltaToSend } from "./owner-delta.js";
import type { StateChange, StateDef, StateHandle } from "./state.js";
import type { OwnerOptions, StateHost } from "./state-host.js";
import { nextEpoch, StateLease, storeNotAnswering } from "./state-lease.js";
import { codecHeaders, type StateSubjects, type StoredState, stateSubjectsOf } from "./state-wire.js";
import { storedValue } from "./stored-value.js";
import { updateBytes } from "./update-bytes.js";
import { ValueSize } from "./value-size.js";

export type { OwnerOptions, StateHost } from "./state-host.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Obj = Record<string, unknown>;

/**
 * The owner's side of a state: the value and its number, updated by `set` (a full update) and
 * `patch` (a delta), each checked by the schema and sent to the holders in order. What is sent is
 * what the owner applies (the schema's output, encoded before anything changes), so holders reach
 * the owner's value at the same number. The value, its number and the owner's epoch are written
 * behind to the transport's last-value store (at most one write in flight, `persistMs` apart), so
 * that a restarted owner resumes its numbering under a new, greater epoch (time-ordered: see
 * {@link nextEpoch}) and holders can read a snapshot while it is down. One owner per state: the
 * epoch is claimed with a compare-and-set on the store and announced on the claim subject; an
 * owner that meets a newer epoch (a claim, or the store) stands down ({@link StateLease}).
 */
export class StateOwner<T extends object> implements StateHandle<T> {
  private current: Readonly<T>;
  private number = 0;
  private incarnation = 0;
  private readonly listeners = new Set<(change: StateChange<T>) => void>();
  private subscription: TransportSubscription | undefined;
  private claims: TransportSubscription | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private sentSinceBeat = false;
  private dirty = false;
  private writing: Promise<void> | undefined;
  private running = false;
  private stopped = false;
  /** The epoch of the newer owner this one stood down for. */
  private fencedBy: number | undefined;
  private readonly persistMs: number;
  private readonly beatMs: number;
  private readonly log: Logger;
  private readonly keysAlone: boolean;
  /** Failed writes of the stored value: the first logged, the next counted, tried again 200 ms to 5 s apart. */
  private readonly storeFailures: RepeatedFailure;
  /** The hold on the stored value (none: the transport has no store, or it failed at start). */
  private lease: StateLease | undefined;
  /** Keeps the whole value servable: a delta that would grow it past the payload limit is refused. */
  private readonly size: ValueSize;

  constructor(
    readonly def: StateDef<string, T>,
    private readonly host: StateHost,
    options: OwnerOptions = {},
    /** Where the state travels (its address in the addresses file, else the default subjects). */
    private readonly subjects: StateSubjects = stateSubjectsOf(def.name),
  ) {
    this.current = { ...def.initial } as T;
    this.size = new ValueSize(def.name, () => host.transport.maxPayload);
    this.persistMs = options.persistMs ?? 20;
    this.beatMs = options.beatMs ?? 1000;
    this.log = host.logger.child({ state: def.name, role: "owner" });
    this.keysAlone = checksKeysAlone(def.schema);
    const p = this.persistMs;
    const backoff = { baseDelayMs: Math.max(p, 200), maxDelayMs: Math.max(p, 5000) };
    this.storeFailures = new RepeatedFailure(this.log, "storing the state", { backoff });
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
  /** The newer owner's epoch once this one stood down, else `undefined`. */
  get supersededBy(): number | undefined {
    return this.fencedBy;
  }

  onChange(listener: (change: StateChange<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Claims the next epoch (resuming from the stored value), announces it, serves snapshots, sends the value. */
  async start(): Promise<void> {
    const { transport, codec } = this.host;
    const subjects = this.subjects;
    const store = transport.lastValues;
    let retryIn: number | undefined;
    if (store !== undefined) {
      const lease = new StateLease(store, subjects.stored, codec);
      try {
        await this.resume(lease);
        this.lease = lease;
      } catch (err) {
        if (storeNotAnswering(err)) {
          // A degraded cluster still creating the stream: stored once it answers (issue 15 follow-up).
          this.lease = lease;
          this.dirty = true;
          retryIn = this.storeFailures.failed(err);
        } else this.log.warn("no last-value store: the state's number will not survive a restart", { err });
      }
    }
    // Nothing stored: the epoch comes from the clock alone (see `nextEpoch`).
    if (this.incarnation === 0) this.incarnation = nextEpoch(undefined);
    this.claims = await listenToClaims(this.host, subjects.claims, (epoch) => {
      if (this.stopped || this.fencedBy !== undefined) return;
      if (epoch > this.incarnation) this.standDown(epoch);
      // An older owner that started later (no store to order them): it hears this one and stands down.
      else if (epoch < this.incarnation) this.announce();
    });
    await transport.publish(subjects.claims, codec.encode({ epoch: this.incarnation }));
    if (this.fencedBy !== undefined) return;
    // A snapshot names its codec: a holder on another codec refuses it rather than misread it.
    const headers = codecHeaders(codec);
    this.subscription = await transport.respond(
      subjects.snapshot,
      { queue: `state.${this.def.name}` },
      () => {
        if (this.fencedBy !== undefined) throw this.fenced();
        return { data: codec.encode(this.snapshotMessage()), headers };
      },
    );
    this.running = true;
    if (this.dirty) this.retryStore(retryIn ?? 0);
    // Holders that synchronised with an earlier incarnation replace their copy now.
    await transport.publish(subjects.updates, codec.encode(this.snapshotMessage()), headers);
    this.beatTimer = setInterval(() => {
      if (this.sentSinceBeat) {
        this.sentSinceBeat = false;
        return;
      }
      this.quietly(subjects.updates, { epoch: this.incarnation, seq: this.number, beat: true });
    }, this.beatMs);
    this.beatTimer.unref();
  }

  /** Takes the stored value and number, and claims the next epoch before anything is sent under it. */
  private async resume(lease: StateLease): Promise<void> {
    await lease.claim((stored) => {
      if (stored !== undefined) {
        this.number = stored.seq;
        this.current = storedValue(this.def, stored, this.host.codec.contentType, this.log) ?? this.current;
      }
      // A restart never reuses an epoch.
      this.incarnation = nextEpoch(stored?.epoch);
      return this.encodeStored();
    });
  }

  /** Stores the value one last time, then stops answering snapshots. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.beatTimer);
    clearTimeout(this.retryTimer);
    if (this.running)
      await this.flush().catch((err: unknown) => this.log.warn("could not store the state on stop", { err }));
    this.running = false;
    await this.subscription?.unsubscribe();
    await this.claims?.unsubscribe();
    this.subscription = undefined;
    this.claims = undefined;
  }

  set(value: T): Promise<void> {
    try {
      this.ready();
      const checked = { ...this.check(value) } as T;
      const seq = this.number + 1;
      const bytes = this.encode({ epoch: this.incarnation, seq, isSnapshot: true, data: checked as Obj });
      const previous = this.current;
      // The owner's own object, updated in place by the deltas that follow.
      this.current = checked;
      this.number = seq;
      this.size.measured(bytes.byteLength);
      this.changed({ kind: "snapshot", previous });
      const undo = () => {
        this.current = previous;
        this.size.forget();
      };
      return this.publish(bytes, seq, undo, codecHeaders(this.host.codec));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  patch(delta: Delta<T>): Promise<void> {
    try {
      this.ready();
      const check = (value: unknown) => this.check(value) as Obj;
      const sent = deltaToSend(this.def, this.keysAlone, check, this.current as Obj, delta as Obj);
      const seq = this.number + 1;
      const bytes = this.encode({ epoch: this.incarnation, seq, isSnapshot: false, data: sent });
      const applied = applyToOwn(this.def.delta, this.current as Obj, sent);
      const whole: StateMessage = { epoch: this.incarnation, seq, isSnapshot: true, data: applied.value };
      this.size.check(bytes.byteLength, () => this.host.codec.encode(whole), applied.undo);
      this.current = applied.value as T;
      const undo = () => {
        this.current = applied.undo() as T;
      };
      this.number = seq;
      this.changed({ kind: "delta", delta: sent as Delta<T> });
      return this.publish(bytes, seq, undo);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  flush(): Promise<void> {
    if (this.fencedBy !== undefined) return Promise.reject(this.fenced());
    if (this.lease === undefined) return Promise.resolve();
    this.dirty = true;
    this.writing ??= this.writeBehind();
    return this.writing;
  }

  private ready(): void {
    if (this.fencedBy !== undefined) throw this.fenced();
    if (!this.running)
      throw TesseraError.unavailable(`state ${this.def.name} is not served yet (its node is not running)`);
  }

  private fenced(): TesseraError {
    return TesseraError.conflict(
      `state ${this.def.name} has a newer owner (epoch ${this.fencedBy}): this one (epoch ${this.incarnation}) stood down`,
    );
  }

  /** A newer owner holds the state: stop serving it, refuse updates, never store again. */
  private standDown(epoch: number): void {
    if (this.fencedBy !== undefined) return;
    this.fencedBy = epoch;
    this.running = false;
    this.dirty = false;
    clearInterval(this.beatTimer);
    clearTimeout(this.retryTimer);
    this.log.warn(
      `a newer owner (epoch ${epoch}) took the state over: this owner (epoch ${this.incarnation}) stands down and refuses updates`,
    );
    const sub = this.subscription;
    this.subscription = undefined;
    sub?.unsubscribe().catch(() => undefined);
  }

  private announce(): void {
    this.quietly(this.subjects.claims, { epoch: this.incarnation });
  }

  /** Sends a message whose loss costs nothing (a beat, a claim repeated). */
  private quietly(subject: string, msg: unknown): void {
    try {
      this.host.transport.publish(subject, this.host.codec.encode(msg)).catch(() => undefined);
    } catch {
      // A transport that throws instead of rejecting: the next beat or claim will do.
    }
  }

  private check(value: unknown): T {
    return checkStateValue(this.def, value);
  }

  /** The message's bytes, checked sendable before anything changes: an update is applied only if it can go out. */
  private encode(msg: StateMessage): Uint8Array {
    return updateBytes(this.def.name, this.host, msg);
  }

  private snapshotMessage(): StateMessage {
    return { epoch: this.incarnation, seq: this.number, isSnapshot: true, data: this.current as Obj };
  }

  private encodeStored(): Uint8Array {
    const stored: StoredState = {
      epoch: this.incarnation,
      seq: this.number,
      value: this.current as Readonly<Obj>,
      codec: this.host.codec.contentType,
    };
    return this.host.codec.encode(stored);
  }

  /**
   * Sends an applied update; once it is out, the value is stored behind. An update the transport
   * refuses is undone when it is still the last one (its caller gets the rejection); when later
   * updates were made on it, it stays, and holders take it with their next snapshot.
   */
  private publish(
    bytes: Uint8Array,
    seq: number,
    undo: () => void,
    headers?: Readonly<Record<string, string>>,
  ): Promise<void> {
    this.sentSinceBeat = true;
    let sending: Promise<void>;
    try {
      sending = this.host.transport.publish(this.subjects.updates, bytes, headers);
    } catch (err) {
      sending = Promise.reject(err);
    }
    return sending.then(
      () => this.persistSoon(),
      (err: unknown) => {
        if (this.number === seq) {
          const previous = this.current;
          undo();
          this.number = seq - 1;
          this.changed({ kind: "snapshot", previous });
        } else {
          const why = "an update the transport refused stays in the value: later updates were made on it";
          this.log.error(why, { err, seq });
          this.persistSoon();
        }
        throw err;
      },
    );
  }

  private persistSoon(): void {
    if (this.lease === undefined || this.fencedBy !== undefined) return;
    this.dirty = true;
    // The store is failing: the retry that is due writes the last value; updates do not hammer it.
    if (this.writing === undefined && this.retryTimer === undefined) {
      this.writing = this.writeBehind();
      this.writing.catch(() => undefined);
    }
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

  /**
   * One write at a time, `persistMs` apart, until nothing changed since the last one. A failure is
   * logged once (then counted) and tried again after a growing pause, during which updates do not
   * write; a newer epoch in the store makes this owner stand down.
   */
  private async writeBehind(): Promise<void> {
    const lease = this.lease;
    try {
      while (this.dirty && lease !== undefined && this.fencedBy === undefined) {
        this.dirty = false;
        let newer: number | undefined;
        try {
          newer = await lease.write(this.encodeStored(), this.incarnation);
        } catch (err) {
          this.dirty = true;
          this.retryStore(this.storeFailures.failed(err));
          throw err;
        }
        this.storeFailures.recovered();
        if (newer !== undefined) this.standDown(newer);
        else if (this.dirty) await sleep(this.persistMs);
      }
      if (this.fencedBy !== undefined) throw this.fenced();
    } finally {
      this.writing = undefined;
    }
  }

  private retryStore(pauseMs: number): void {
    if (this.retryTimer !== undefined || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.dirty && !this.stopped) this.persistSoon();
    }, pauseMs);
    this.retryTimer.unref();
  }
}
