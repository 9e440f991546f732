import type { Invoke } from "../call-meta.js";
import { TesseraError } from "../errors.js";
import type { BulkheadPolicy } from "../policies.js";

/** Limits concurrent executions of `next`, with a bounded waiting line. */
export function withBulkhead(policy: BulkheadPolicy, target: string, next: Invoke): Invoke {
  const concurrency = Math.max(1, Math.floor(policy.concurrency));
  const maxQueue = Math.max(0, Math.floor(policy.queue ?? 0));
  let running = 0;
  const waiting: (() => void)[] = [];

  const release = () => {
    running--;
    const wake = waiting.shift();
    if (wake) wake();
  };

  const run: Invoke = (input, meta) => {
    running++;
    const r = next(input, meta);
    if (!(r instanceof Promise)) {
      release();
      return r;
    }
    return r.then(
      (v) => {
        release();
        return v;
      },
      (e: unknown) => {
        release();
        throw e;
      },
    );
  };

  return (input, meta) => {
    if (running < concurrency) return run(input, meta);
    if (waiting.length >= maxQueue) {
      return Promise.reject(
        new TesseraError(
          "TESSERA_OVERLOADED",
          `${target} is at capacity: ${concurrency} running and ${maxQueue} waiting`,
          { details: { target, concurrency, queue: maxQueue } },
        ),
      );
    }
    return new Promise<unknown>((resolve, reject) => {
      waiting.push(() => {
        if (meta.deadline !== undefined && Date.now() >= meta.deadline) {
          // Its caller has given up: free the slot for the next in line.
          running++;
          release();
          reject(TesseraError.timeout(`${target} waited in the bulkhead past its deadline`));
          return;
        }
        Promise.resolve(run(input, meta)).then(resolve, reject);
      });
    });
  };
}
