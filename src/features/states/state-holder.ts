import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { RepeatedFailure } from "../../core/repeated-failure.js";
import type { TransportSubscription } from "../../core/transport-message.js";
import { errorOfReply, isNoResponders } from "../../core/wire-reply.js";
import { checkStateValue } from "./check-state-value.js";
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
import {
  CODEC_HEADER,
  codecLabel,
  decodeMessage,
  decodeStored,
  type StateSubjects,
  stateSubjectsOf,
} from "./state-wire.js";

export interface HolderOptions {
  /** How long a snapshot request waits for the owner (default 2000 ms). */
  readonly snapshotTimeoutMs?: number;
  /**
   * After a resynchronisation that found no snapshot, the next try comes this much later (default
   * 500 ms); after failed snapshot requests, growing pauses from it up to 5 s.
   */
  readonly retryMs?: number;
}

/** Messages kept while a snapshot is on its way; past this, they are dropped (the snapshot is newer anyway). */
const MAX_BUFFER = 100_000;

/** A snapshot this holder cannot take: the owner's codec (`contentType`) is not this node's. */
class OtherCodec extends Error {
  constructor(
    readonly contentType: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The holder's side of a state: a local copy kept by the delta protocol ({@link applyDelta}).
 * Updates are applied as they arrive; a gap, a duplicate or a new epoch makes it fetch a
 * snapshot from the owner (or, while the owner is down, from the last-value store) while the
 * updates that keep arriving wait in order, then go through the protocol after the snapshot.
 * A snapshot is taken only when it names this node's codec (or none) and its value passes the
 * state's schema; otherwise the holder logs why once, is not `synced`, ignores the deltas that
 * build on it and asks for a snapshot again every `retryMs`.
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
  /** What the owner's snapshots are refused for (`codec <type>`, `schema`), if they are. */
  private refusal: string | undefined;
  /** Messages dropped since the last one this node's codec could decode. */
  private undecodable = 0;
  private readonly snapshotTimeoutMs: number;
  private readonly retryMs: number;
  private readonly log: Logger;
  /** Failed snapshot requests (owner and store unreachable): the first logged, the next counted. */
  private readonly snapshotFailures: RepeatedFailure;
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
    /** Where the state travels (its address in the addresses file, else the default subjects). */
    private readonly subjects: StateSubjects = stateSubjectsOf(def.name),
  ) {
    this.current = { ...def.initial } as T;
    this.snapshotTimeoutMs = options.snapshotTimeoutMs ?? 2000;
    this.retryMs = options.retryMs ?? 500;
    this.log = host.logger.child({ state: def.name, role: "holder" });
    this.snapshotFailures = new RepeatedFailure(this.log, "requesting a snapshot of the state", {
      backoff: { baseDelayMs: this.retryMs, maxDelayMs: Math.max(this.retryMs, 5000) },
    });
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
  /** True once a snapshot from the owner is applied; false again while its snapshots are refused. */
  get synced(): boolean {
    return this.at.epoch !== 0 && this.refusal === undefined;
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
    this.subscription = await this.host.transport.subscribe(this.subjects.updates, {}, (msg) => {
      const codec = msg.headers[CODEC_HEADER];
      const other = this.otherCodec(codec);
      if (other !== undefined) return this.refuse(`codec ${codec}`, other);
      const m = decodeMessage(this.host.codec, msg.data);
      if (m === undefined) return this.dropped();
      this.undecodable = 0;
      this.receive(m);
    });
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
    // While its snapshots are refused, the deltas that build on them are too: only a snapshot may end it.
    if (this.refusal !== undefined && !("isSnapshot" in msg && msg.isSnapshot)) return;
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
      let taken = true;
      let pause = this.retryMs;
      try {
        snapshot = await this.fetchSnapshot();
        this.snapshotFailures.recovered();
      } catch (err) {
        if (err instanceof OtherCodec) this.refuse(`codec ${err.contentType}`, err.message);
        else pause = this.snapshotFailures.failed(err, { reason });
      }
      if (snapshot !== undefined && decide(this.at, snapshot).outcome === "replace")
        taken = this.apply(snapshot);
      const waiting = this.buffer;
      this.buffer = [];
      this.resyncing = undefined;
      for (const m of waiting) this.receive(m);
      if ((snapshot === undefined || !taken) && this.resyncing === undefined && !this.stopped) {
        this.retry = setTimeout(() => void this.resync(reason), pause);
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
      const reply = await transport.request(this.subjects.snapshot, new Uint8Array(0), {
        timeoutMs: this.snapshotTimeoutMs,
      });
      const remote = errorOfReply(reply);
      if (remote !== undefined) throw remote;
      const sentIn = reply.headers[CODEC_HEADER];
      const other = this.otherCodec(sentIn);
      if (other !== undefined) throw new OtherCodec(sentIn as string, other);
      const m = decodeMessage(codec, reply.data);
      if (m === undefined || "beat" in m || !m.isSnapshot)
        throw new TesseraError("TESSERA_INTERNAL", "the owner's snapshot reply is not a snapshot");
      return m;
    } catch (err) {
      const ownerDown =
        isNoResponders(err) || (err instanceof TesseraError && err.code === "TESSERA_TIMEOUT");
      if (!ownerDown || transport.lastValues === undefined) throw err;
    }
    const raw = await transport.lastValues.get(this.subjects.stored);
    const stored = raw === undefined ? undefined : decodeStored(codec, raw);
    if (stored === undefined) return undefined;
    const other = this.otherCodec(stored.codec, "stored by an owner");
    if (other !== undefined) throw new OtherCodec(stored.codec as string, other);
    return { epoch: stored.epoch, seq: stored.seq, isSnapshot: true, data: stored.value };
  }

  /**
   * The owner's codec, when a snapshot names one that is not this node's: what this node's codec
   * makes of its bytes is not the owner's value (a rich-json date read as `{"$date": …}` by json).
   */
  private otherCodec(contentType: string | undefined, from = "sent by an owner"): string | undefined {
    const own = this.host.codec.contentType;
    if (contentType === undefined || contentType === own) return undefined;
    return `the state's snapshot was ${from} on the ${codecLabel(contentType)} codec, this node's is ${codecLabel(own)}: not applied (give every node of the system the same codec: codec in the project file, TESSERA_CODEC or --codec)`;
  }

  /**
   * The owner's snapshots are refused for `kind`: said once (`why`) until one is taken or they are
   * refused for something else; not synced meanwhile.
   */
  private refuse(kind: string, why: string): void {
    if (this.refusal !== kind) this.log.error(why);
    this.refusal = kind;
    if (this.retry === undefined && this.resyncing === undefined && !this.stopped) {
      this.retry = setTimeout(() => void this.resync("unsynced"), this.retryMs);
      this.retry.unref();
    }
  }

  /** A message this node's codec cannot read: the first is logged, the next ones counted. */
  private dropped(): void {
    if (this.undecodable++ > 0) return;
    this.log.warn(
      `a state message that this node's codec (${codecLabel(this.host.codec.contentType)}) cannot decode was dropped (is the owner on another codec?); further ones are counted, not logged`,
    );
  }

  /**
   * A snapshot replaces the copy (when its value passes the state's schema: `false` otherwise,
   * nothing changed); a delta is merged into it in place.
   */
  private apply(msg: StateUpdate): boolean {
    const previous = this.current;
    if (msg.isSnapshot) {
      try {
        checkStateValue(this.def, msg.data);
      } catch (err) {
        this.refuse(
          "schema",
          `a snapshot from the owner (epoch ${msg.epoch}, seq ${msg.seq}) fails the state's schema: not applied (${(err as Error).message})`,
        );
        return false;
      }
      if (this.refusal !== undefined) {
        this.log.info("the owner's snapshots are taken again", { epoch: msg.epoch, seq: msg.seq });
        this.refusal = undefined;
      }
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
    if (this.listeners.size === 0) return true;
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
    return true;
  }
}
