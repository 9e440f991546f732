import type { CallMeta, Invoke } from "../call-meta.js";
import { TesseraError } from "../errors.js";

function expired(target: string, deadline: number): TesseraError {
  return TesseraError.timeout(`${target} did not complete before its deadline`, {
    deadline: new Date(deadline).toISOString(),
  });
}

/** Races `promise` against the deadline; the work itself goes on (its context's signal aborts). */
export function raceDeadline<T>(promise: Promise<T>, deadline: number, target: string): Promise<T> {
  const left = deadline - Date.now();
  if (left <= 0) return Promise.reject(expired(target, deadline));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(expired(target, deadline)), left);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Narrows the deadline to `now + ms` (never later than the caller's) and enforces it. */
export function withTimeout(ms: number, target: string, next: Invoke): Invoke {
  return (input, meta) => {
    const own = Date.now() + ms;
    const deadline = meta.deadline === undefined || own < meta.deadline ? own : meta.deadline;
    const narrowed: CallMeta = { ...meta, deadline };
    return raceDeadline(next(input, narrowed), deadline, target);
  };
}
