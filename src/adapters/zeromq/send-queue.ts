import { BatchWriter, batchBytes, type Field } from "./frame-batch.js";

export interface SendQueueOptions {
  /**
   * Hands one batch to zeromq (a DEALER's `send`, or a ROUTER's with the peer's routing id). The
   * sockets never wait (`sendTimeout: 0`): the promise is settled by the time it is returned,
   * rejected with `EAGAIN` when zeromq's queue to the peer is full.
   */
  send(batch: Buffer): Promise<void>;
  /** A send failed otherwise (a ROUTER with `mandatory`: the peer is gone; a closed socket). */
  onError(err: unknown): void;
  /** More than `maxQueuedBytes` wait for a peer that does not take them: they were discarded. */
  onOverflow(queuedBytes: number): void;
  readonly maxQueuedBytes: number;
}

const firstRetryMs = 1;
const lastRetryMs = 16;

function isQueueFull(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "EAGAIN";
}

/**
 * What one link sends, in order. Frames are written into a batch; a batch goes to zeromq once it
 * holds 64 KiB or on the next turn of the event loop (`setImmediate`), so a burst of small frames
 * costs one native call per batch rather than one per frame, and a frame sent alone waits for no
 * more than the current turn.
 *
 * One batch at a time is handed over: its outcome is known a microtask later, and the next one
 * waits for it, so that a batch refused because zeromq's queue to the peer is full (`EAGAIN`) is
 * never overtaken. A refused batch is retried (1 ms, doubling to 16 ms) while new frames fill
 * whole batches behind it; if more than `maxQueuedBytes` then wait, the peer is too slow: the
 * queue is emptied and `onOverflow` says so. A producer's own burst (while zeromq takes what it
 * is given) is never counted against the peer.
 */
export class SendQueue {
  private readonly writer = new BatchWriter();
  /** Sealed batches, oldest first. */
  private batches: Buffer[] = [];
  private batchedBytes = 0;
  private inFlight = false;
  /** zeromq refused the head batch: its queue to the peer is full. */
  private blocked = false;
  private retryMs = firstRetryMs;
  private flushing: NodeJS.Immediate | undefined;
  private retrying: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private disposed = false;
  private overflowing = false;

  constructor(private readonly o: SendQueueOptions) {}

  /** Bytes waiting in this process (not yet taken by zeromq). */
  get queuedBytes(): number {
    return this.batchedBytes + this.writer.size;
  }

  /** Queues one frame: its letter and fields. The bytes are copied now. */
  send(kind: string, fields: readonly Field[]): void {
    if (this.disposed) return;
    this.writer.add(kind, fields);
    this.added();
  }

  /** Queues one frame made of a shared prefix (see `BatchWriter.add`) and a last field. */
  sendPrefixed(prefix: Uint8Array, last: string): void {
    if (this.disposed) return;
    this.writer.addPrefixed(prefix, last);
    this.added();
  }

  private added(): void {
    if (this.writer.size >= batchBytes) {
      this.seal();
      this.pump();
    } else if (this.flushing === undefined && !this.blocked) {
      this.flushing = setImmediate(this.flushNow);
    }
    // What `onOverflow` queues (a hello) is not judged again while it runs.
    if (this.blocked && !this.overflowing && this.queuedBytes > this.o.maxQueuedBytes) {
      const queued = this.queuedBytes;
      this.clear();
      this.overflowing = true;
      try {
        this.o.onOverflow(queued);
      } finally {
        this.overflowing = false;
      }
    }
  }

  /** Hands what is queued to zeromq now, rather than on the next turn. */
  flush(): void {
    if (this.flushing !== undefined) clearImmediate(this.flushing);
    this.flushNow();
  }

  /** Resolves once everything queued so far has been taken by zeromq (or discarded). */
  flushed(): Promise<void> {
    this.flush();
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Discards what waits (the peer went away, or was too slow). */
  clear(): void {
    this.writer.clear();
    this.batches = [];
    this.batchedBytes = 0;
    this.notifyIdle();
  }

  /** Stops for good: nothing more is sent, timers are cleared. */
  dispose(): void {
    this.disposed = true;
    if (this.flushing !== undefined) clearImmediate(this.flushing);
    clearTimeout(this.retrying);
    this.flushing = undefined;
    this.retrying = undefined;
    this.clear();
  }

  private readonly flushNow = (): void => {
    this.flushing = undefined;
    if (this.blocked || this.disposed) return;
    if (this.writer.size > 0) this.seal();
    this.pump();
  };

  private seal(): void {
    const batch = this.writer.take();
    this.batches.push(batch);
    this.batchedBytes += batch.length;
  }

  private idle(): boolean {
    return !this.inFlight && this.batches.length === 0 && this.writer.size === 0;
  }

  private notifyIdle(): void {
    if (!this.idle() || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    if (this.inFlight || this.blocked || this.disposed) return;
    const batch = this.batches.shift();
    if (batch === undefined) return;
    this.batchedBytes -= batch.length;
    this.inFlight = true;
    let sending: Promise<void>;
    try {
      sending = this.o.send(batch);
    } catch (err) {
      sending = Promise.reject(err);
    }
    sending.then(
      () => this.sent(),
      (err: unknown) => this.refused(batch, err),
    );
  }

  private sent(): void {
    this.inFlight = false;
    this.retryMs = firstRetryMs;
    if (this.batches.length > 0) this.pump();
    else if (this.writer.size > 0 && this.flushing === undefined && !this.disposed)
      this.flushing = setImmediate(this.flushNow);
    else this.notifyIdle();
  }

  private refused(batch: Buffer, err: unknown): void {
    this.inFlight = false;
    if (this.disposed) return;
    if (!isQueueFull(err)) {
      this.clear();
      this.o.onError(err);
      return;
    }
    // Back at the head, in order; new frames fill whole batches behind it until zeromq takes it.
    this.batches.unshift(batch);
    this.batchedBytes += batch.length;
    this.blocked = true;
    this.retrying = setTimeout(() => {
      this.retrying = undefined;
      this.blocked = false;
      if (this.batches.length === 0 && this.writer.size > 0) this.seal();
      this.pump();
    }, this.retryMs);
    this.retrying.unref();
    this.retryMs = Math.min(lastRetryMs, this.retryMs * 2);
  }
}
