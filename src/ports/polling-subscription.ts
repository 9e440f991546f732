import { Backoff } from "../core/repeated-failure.js";
import type { EventSubscription, RecordedEvent, SubscribeOptions } from "./event-store.js";

/** What a store gives a subscription: reads of the log, and a wake-up on local appends. */
export interface SubscriptionSource {
  readAll(after: number, limit: number): Promise<RecordedEvent[]>;
  headPosition(): Promise<number>;
  /** Registers a listener called after a local commit; returns its removal. */
  onAppend(listener: () => void): () => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A subscription that reads the global log after its position, hands each batch to the handler
 * and only then moves on; idle, it waits for a local append or the poll interval (appends of
 * other processes). Order and completeness come from the store's positions: a store only shows
 * an event once every event before it is visible. A failed read or batch is tried again after
 * growing pauses (100 ms doubling to 5 s, jittered), each failure given to `onError`, and
 * `onRecovered` called once a round works again.
 */
export function pollingSubscription(
  source: SubscriptionSource,
  options: SubscribeOptions,
): EventSubscription {
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 50;
  let position = options.after ?? 0;
  let running = true;
  let wake: (() => void) | undefined;
  const waiters: { target: number; resolve: () => void }[] = [];
  const poke = () => wake?.();
  const removeListener = source.onAppend(poke);

  const settleWaiters = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (w.target <= position || !running) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };

  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const loop = async () => {
    const backoff = new Backoff({ baseDelayMs: 100, maxDelayMs: 5000 });
    // With a backlog, the next batch is read while this one is handled.
    let next: Promise<RecordedEvent[]> | undefined;
    while (running) {
      let batch: RecordedEvent[];
      try {
        batch = await (next ?? source.readAll(position, batchSize));
        next = undefined;
        if (batch.length > 0 && running) {
          const last = batch[batch.length - 1]!.position;
          if (batch.length === batchSize) next = source.readAll(last, batchSize);
          await options.handle(batch);
          position = last;
        }
        if (backoff.attempts > 0) {
          backoff.reset();
          options.onRecovered?.();
        }
      } catch (err) {
        // A batch read ahead of a failed one would skip it: read again from the position.
        next?.catch(() => undefined);
        next = undefined;
        options.onError?.(err);
        await sleep(backoff.next());
        continue;
      }
      settleWaiters();
      if (batch.length < batchSize && running) await idle(pollMs);
    }
    next?.catch(() => undefined);
    settleWaiters();
  };
  const done = loop();

  return {
    get position() {
      return position;
    },
    async caughtUp() {
      const head = await source.headPosition();
      if (head <= position || !running) return;
      await new Promise<void>((resolve) => {
        waiters.push({ target: head, resolve });
        poke();
      });
    },
    async stop() {
      running = false;
      removeListener();
      poke();
      await done;
    },
  };
}
