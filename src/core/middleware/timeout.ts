import type { CallMeta, Invoke } from "../call-meta.js";
import { deadlineTimer } from "../deadline-timer.js";
import { TesseraError } from "../errors.js";

function expired(target: string, deadline: number): TesseraError {
  return TesseraError.timeout(`${target} did not complete before its deadline`, {
    deadline: new Date(deadline).toISOString(),
  });
}

/** Races `promise` against the deadline; the work itself goes on (its context's signal aborts). */
export function raceDeadline<T>(promise: Promise<T>, deadline: number, target: string): Promise<T> {
  if (deadline <= Date.now()) return Promise.reject(expired(target, deadline));
  return new Promise<T>((resolve, reject) => {
    const watch = deadlineTimer.watch(deadline, () => reject(expired(target, deadline)));
    promise.then(
      (v) => {
        deadlineTimer.cancel(watch);
        // A result that arrives past the deadline (before the coarse timer noticed) is still late.
        if (Date.now() >= deadline) reject(expired(target, deadline));
        else resolve(v);
      },
      (e: unknown) => {
        deadlineTimer.cancel(watch);
        // Likewise a failure: typically the handler giving up on its aborted ctx.signal.
        const late = Date.now() >= deadline && !(e instanceof TesseraError && e.code === "TESSERA_TIMEOUT");
        reject(late ? expired(target, deadline) : e);
      },
    );
  });
}

/** Runs `next` with the deadline narrowed to `now + ms` (never later than the caller's) and enforced. */
export function callWithTimeout(
  ms: number,
  target: string,
  next: Invoke,
  input: unknown,
  meta: CallMeta,
): unknown {
  // One clock read: this runs on every call of the hot path.
  const now = Date.now();
  const own = now + ms;
  let deadline: number;
  let narrowed: CallMeta;
  if (meta.deadline !== undefined && meta.deadline <= own) {
    deadline = meta.deadline;
    narrowed = meta;
  } else {
    deadline = own;
    narrowed = {
      requestId: meta.requestId,
      identity: meta.identity,
      deadline,
      signal: meta.signal,
      trace: meta.trace,
      idempotencyKey: meta.idempotencyKey,
      fencingToken: meta.fencingToken,
    };
  }
  if (deadline <= now) return Promise.reject(expired(target, deadline));
  const r = next(input, narrowed);
  // Done synchronously: nothing to race.
  return r instanceof Promise ? raceDeadline(r, deadline, target) : r;
}

/** The timeout stage of a pipeline. */
export function withTimeout(ms: number, target: string, next: Invoke): Invoke {
  return (input, meta) => callWithTimeout(ms, target, next, input, meta);
}
