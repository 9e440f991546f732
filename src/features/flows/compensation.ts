import type { ErrorBody } from "../../core/errors.js";
import type { RetryPolicy } from "../../core/policies.js";
import type { JournalEntry } from "../../ports/flow-store.js";
import type { StepInfo } from "./flow-context.js";
import { errorBody, isControl } from "./flow-errors.js";
import { runWithRetry } from "./retry.js";

/** A completed step that declared how to undo it. */
export interface Compensable {
  readonly seq: number;
  readonly name: string;
  readonly result: unknown;
  readonly compensate: (result: never, info: StepInfo) => unknown;
  readonly retry: RetryPolicy | undefined;
  /** When the step completed (epoch ms): compensations run in reverse order of completion. */
  readonly at: number;
}

/** What the saga's unwinding needs from its execution. */
export interface CompensationHost {
  readonly runId: string;
  /** The activation's fencing token, given to each compensation beside its key. */
  readonly fencingToken: number;
  /** Aborted when the worker loses the run's lease. */
  readonly signal: AbortSignal;
  /** Throws `Interrupted` when the run's lease may be gone: checked before each attempt starts. */
  fence(): void;
  /** The journaled entry of `seq`, if any (a replay after a crash during compensation). */
  journaled(seq: number): JournalEntry | undefined;
  entry(seq: number, kind: string, name: string, state: JournalEntry["state"], value: unknown): JournalEntry;
  /** Commits entries durably (group commit). */
  write(entries: JournalEntry[]): Promise<void>;
}

const defaultRetry: RetryPolicy = { attempts: 3, baseDelayMs: 100 };

/** A compensation that still failed after its retries. */
export interface CompensationFailure {
  /** The name of the step it undoes. */
  readonly step: string;
  readonly error: ErrorBody;
}

/**
 * Runs the compensations of the completed steps in reverse order of completion (the time each step
 * completed, then its seq), every one of them: a compensation that still fails after its retries
 * (its step's policy, else 3 attempts; in memory, with the jittered delays of `retryDelay`) is
 * journaled as failed and the next one runs anyway. Each is journaled at `-seq` of its step once it
 * returns, so that a replay after a crash skips those already done (failed ones included) and
 * resumes with the next. The one in flight when a worker dies is not journaled yet, so it runs again
 * (at least once, like a step): its `idempotencyKey` is the same on every attempt, for its effect to
 * land once. Resolves to the failures, in the order the compensations ran (empty when all succeeded).
 */
export async function compensate(
  host: CompensationHost,
  completed: readonly Compensable[],
): Promise<CompensationFailure[]> {
  const failures: CompensationFailure[] = [];
  for (const c of [...completed].sort((a, b) => b.at - a.at || b.seq - a.seq)) {
    const seq = -c.seq;
    let entry = host.journaled(seq);
    if (entry === undefined) {
      const info: StepInfo = {
        runId: host.runId,
        idempotencyKey: `${host.runId}:${seq}`,
        fencingToken: host.fencingToken,
        attempt: 1,
        signal: host.signal,
      };
      try {
        await runWithRetry(
          c.retry ?? defaultRetry,
          (attempt) => {
            host.fence();
            return c.compensate(c.result as never, { ...info, attempt });
          },
          true,
        );
        entry = host.entry(seq, "compensate", c.name, "ok", undefined);
      } catch (err) {
        if (isControl(err)) throw err;
        entry = host.entry(seq, "compensate", c.name, "error", errorBody(err));
      }
      await host.write([entry]);
    }
    if (entry.state === "error") failures.push({ step: c.name, error: entry.value as ErrorBody });
  }
  return failures;
}
