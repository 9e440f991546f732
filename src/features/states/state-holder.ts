import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { TransportSubscription } from "../../core/transport-message.js";
import { errorOfReply, isNoResponders } from "../../core/wire-reply.js";
import {
  type Delta,
  decide,
  mergeInPlace,
  type Position,
  type ResyncReason,
  type StateMessage,
  type StateUpdate,
} from "./delta.js";
import type { StateChange, StateDef, StateHandle } from "./state.js";
import type { StateHost } from "./state-owner.js";
import { decodeMessage, decodeStored, stateSubjects } from "./state-wire.js";

export interface HolderOptions {
  /** How long a snapshot request waits for the owner (default 2000 ms). */
  readonly snapshotTimeoutMs?: number;
  /** After a failed resynchronisation, the next try comes this much later (default 500 ms). */
  readonly retryMs?: number;
}

/** Messages kept while a snapshot is on its way; past this, they are dropped (the snapshot is newer anyway). */
const MAX_BUFFER = 100_000;

/**
 * The holder's side of a state: a local copy kept by the delta protocol ({@link applyDelta}).
 * Updates are applied as they arrive; a gap, a duplicate or a new epoch makes it fetch a
 * snapshot from the owner (or, while the owner is down, from the last-value store) while the
 * updates that keep arriving wait in order, then go through the protocol after the snapshot.
 */
export class StateHolder<T extends object> implements StateHandle<T> {
  /** The copy, owned by the holder and updated in place by deltas. */
  private current: T;
  private at: Position = { epoch: 0, seq: 0 };
  private readonly listeners = new Set<(change: StateChange<T>) => void>();
  private subscription: TransportSubscription | undefined;
  private resyncing: Promise<void> | undefined;
  private buffer: StateMessage[] = [];
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly snapshotTimeoutMs: number;
  private readonly retryMs: number;
  private readonly log: Logger;
  /** Resynchronisations by reason, for logs and tests. */
  readonly resyncs: Record<ResyncReason, number> = {
    unsynced: 0,
    gap: 0,
    duplicate: 0,
    "new-epoch": 0,
    behind: 0,
  };

  constructor(
    readonly def: StateDef<string, T>,
    private readonly host: StateHost,
    options: HolderOptions = {},
  ) {
    this.current = { ...def.initial } as T;
    this.snapshotTimeoutMs = options.snapshotTimeoutMs ?? 2000;
    this.retryMs = options.retryMs ?? 500;
    this.log = host.logger.child({ state: def.name, role: "holder" });
  }

  get value(): Readonly<T> {
    return this.current;
  }
  get seq(): number {
    return this.at.seq;
  }
  get epoch(): number {
    return this.at.epoch;
  }
  get synced(): boolean {
    return this.at.epoch !== 0;
  }

  onChange(listener: (change: StateChange<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(): Promise<void> {
    return Promise.reject(this.notOwner());
  }
  patch(): Promise<void> {
    return Promise.reject(this.notOwner());
  }
  flush(): Promise<void> {
    return Promise.reject(this.notOwner());
  }

  private notOwner(): TesseraError {
    return TesseraError.forbidden(`state ${this.def.name} is updated by its owner only, not by a holder`);
  }

  /** Listens to the owner, then takes a first snapshot (a holder that starts late gets one first). */
  async start(): Promise<void> {
    this.subscription = await this.host.transport.subscribe(
      stateSubjects.updates(this.def.name),
      {},
      (msg) => {
        const m = decodeMessage(this.host.codec, msg.data);
        if (m === undefined) this.log.warn("an undecodable state message was dropped");
        else this.receive(m);
      },
    );
    await this.resync("unsynced");
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.subscription?.unsubscribe();
    this.subscription = undefined;
    await this.resyncing;
  }

  /** One message from the owner, through the protocol. */
  receive(msg: StateMessage): void {
    if (this.resyncing !== undefined) {
      if (this.buffer.length < MAX_BUFFER) this.buffer.push(msg);
      return;
    }
    const d = decide(this.at, msg);
    if (d.outcome === "merge" || d.outcome === "replace") this.apply(msg as StateUpdate);
    else if (d.outcome === "resync") void this.resync(d.reason);
  }

  /** Fetches a snapshot and replaces the copy, then replays what arrived meanwhile. */
  resync(reason: ResyncReason): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.resyncing !== undefined) return this.resyncing;
    this.resyncs[reason]++;
    clearTimeout(this.retry);
    this.retry = undefined;
    if (reason !== "unsynced") this.log.debug("resynchronising", { reason, seq: this.at.seq });
    const run = (async () => {
      let snapshot: StateUpdate | undefined;
      try {
        snapshot = await this.fetchSnapshot();
      } catch (err) {
        this.log.warn("no snapshot: will try again", { err, reason });
      }
      if (snapshot !== undefined && decide(this.at, snapshot).outcome === "replace") this.apply(snapshot);
      const waiting = this.buffer;
      this.buffer = [];
      this.resyncing = undefined;
      for (const m of waiting) this.receive(m);
      if (snapshot === undefined && this.resyncing === undefined && !this.stopped) {
        this.retry = setTimeout(() => void this.resync(reason), this.retryMs);
        this.retry.unref();
      }
    })();
    this.resyncing = run;
    return run;
  }

  /** The owner's snapshot; while the owner is down, the stored one; `undefined` when there is none. */
  private async fetchSnapshot(): Promise<StateUpdate | undefined> {
    const { transport, codec } = this.host;
    try {
      const reply = await transport.request(stateSubjects.snapshot(this.def.name), new Uint8Array(0), {
        timeoutMs: this.snapshotTimeoutMs,
      });
      const remote = errorOfReply(reply);
      if (remote !== undefined) throw remote;
      const m = decodeMessage(codec, reply.data);
      if (m === undefined || "beat" in m || !m.isSnapshot)
        throw new TesseraError("TESSERA_INTERNAL", "the owner's snapshot reply is not a snapshot");
      return m;
    } catch (err) {
      const ownerDown =
        isNoResponders(err) || (err instanceof TesseraError && err.code === "TESSERA_TIMEOUT");
      if (!ownerDown || transport.lastValues === undefined) throw err;
    }
    const raw = await transport.lastValues.get(stateSubjects.stored(this.def.name));
    const stored = raw === undefined ? undefined : decodeStored(codec, raw);
    if (stored === undefined) return undefined;
    return { epoch: stored.epoch, seq: stored.seq, isSnapshot: true, data: stored.value };
  }

  /** A snapshot replaces the copy; a delta is merged into it in place. */
  private apply(msg: StateUpdate): void {
    const previous = this.current;
    if (msg.isSnapshot) {
      this.current = { ...msg.data } as T;
      // The snapshot a failed resynchronisation was to retry for has come (e.g. a restarted owner's):
      // the retry would only fetch another one and replace the deltas since with it.
      if (this.retry !== undefined) {
        clearTimeout(this.retry);
        this.retry = undefined;
      }
    } else mergeInPlace(this.current as Record<string, unknown>, msg.data, this.def.delta);
    // The message is a position already (epoch, seq): no object of our own per delta.
    this.at = msg;
    if (this.listeners.size === 0) return;
    const name = this.def.name;
    const change: StateChange<T> = msg.isSnapshot
      ? { state: name, kind: "snapshot", value: this.current, previous, epoch: msg.epoch, seq: msg.seq }
      : {
          state: name,
          kind: "delta",
          value: this.current,
          delta: msg.data as Delta<T>,
          epoch: msg.epoch,
          seq: msg.seq,
        };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.error("a change listener failed", { err });
      }
    }
  }
}
