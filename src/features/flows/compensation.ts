import type { ErrorBody } from "../../core/errors.js";
import type { RetryPolicy } from "../../core/policies.js";
import type { JournalEntry } from "../../ports/flow-store.js";
import type { StepInfo } from "./flow-context.js";
import { errorBody } from "./flow-errors.js";
import { runWithRetry } from "./retry.js";

/** A completed step that declared how to undo it. */
export interface Compensable {
  readonly seq: number;
  readonly name: string;
  readonly result: unknown;
  readonly compensate: (result: never, info: StepInfo) => unknown;
  readonly retry: RetryPolicy | undefined;
}

/** What the saga's unwinding needs from its execution. */
export interface CompensationHost {
  readonly runId: string;
  /** The journaled entry of `seq`, if any (a replay after a crash during compensation). */
  journaled(seq: number): JournalEntry | undefined;
  entry(seq: number, kind: string, name: string, state: JournalEntry["state"], value: unknown): JournalEntry;
  /** Commits entries durably (group commit). */
  write(entries: JournalEntry[]): Promise<void>;
}

const defaultRetry: RetryPolicy = { attempts: 3, baseDelayMs: 100 };

/**
 * Runs the compensations of the completed steps in reverse order: each is journaled at `-seq` of its
 * step once it returns, so that a replay after a crash skips those already done and resumes with the
 * next. The one in flight when a worker dies is not journaled yet, so it runs again (at least once,
 * like a step): its `idempotencyKey` is the same on every attempt, for its effect to land once.
 * Resolves to the failure of the first compensation that failed (after its retries), which ends the
 * unwinding, or undefined.
 */
export async function compensate(
  host: CompensationHost,
  completed: readonly Compensable[],
): Promise<ErrorBody | undefined> {
  for (const c of [...completed].sort((a, b) => b.seq - a.seq)) {
    const seq = -c.seq;
    let entry = host.journaled(seq);
    if (entry === undefined) {
      const info: StepInfo = { runId: host.runId, idempotencyKey: `${host.runId}:${seq}`, attempt: 1 };
      try {
        await runWithRetry(c.retry ?? defaultRetry, (attempt) =>
          c.compensate(c.result as never, { ...info, attempt }),
        );
        entry = host.entry(seq, "compensate", c.name, "ok", undefined);
      } catch (err) {
        entry = host.entry(seq, "compensate", c.name, "error", errorBody(err));
      }
      await host.write([entry]);
    }
    if (entry.state === "error") {
      const body = entry.value as ErrorBody;
      return { code: body.code, message: `compensation of step "${c.name}" failed: ${body.message}` };
    }
  }
  return undefined;
}
