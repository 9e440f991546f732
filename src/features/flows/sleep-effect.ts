import { inlineSleep, type Scope } from "./branches.js";
import type { RunBudget } from "./budget.js";
import type { ExecutionHost } from "./execution-host.js";
import type { ReplayJournal } from "./replay-journal.js";

/** What a sleep needs of its run's execution (see run-execution.ts). */
export interface SleepHost {
  readonly host: ExecutionHost;
  readonly journal: ReplayJournal;
  readonly budget: RunBudget;
  scope(): Scope;
  /** Throws when no effect may start now (lease, stop, cancellation, budget). */
  live(): void;
  /** Keeps the run from suspending, until `release`. */
  hold(): void;
  release(): void;
  park<T>(dueAt: number | undefined, name: string | undefined, due?: () => Promise<T>): Promise<T>;
  writeNow(): Promise<void>;
}

/** `ctx.sleepUntil`: the wake-up time is journaled (a replay sleeps until the same time). */
export function sleepEffect(x: SleepHost, target: number): Promise<void> {
  const scope = x.scope();
  const { seq, rec } = x.journal.take(scope.position(), "sleep", "sleep");
  const until = rec === undefined ? target : (rec.value as number);
  if (rec === undefined) {
    try {
      scope.refuseNew();
      x.budget.step(true);
    } catch (err) {
      return Promise.reject(err);
    }
    x.journal.add(x.journal.entry(seq, "sleep", "sleep", "ok", until));
  }
  return resumeAt(x, until);
}

/** Goes on at `until`: at once (after a pause now and then), in memory when soon, else the run parks. */
export function resumeAt(x: SleepHost, until: number): Promise<void> {
  const left = until - x.host.now();
  if (left <= 0) return x.budget.pace() ?? Promise.resolve();
  try {
    x.live();
  } catch (err) {
    return Promise.reject(err);
  }
  if (left > x.host.inlineSleepMs) return x.park(until, undefined, () => Promise.resolve());
  const scope = x.scope();
  x.hold();
  const sleep = () => inlineSleep(scope, Math.max(0, until - x.host.now()), () => x.release());
  if (!x.journal.hasPending) return sleep();
  // What the code knows (a finished step's outcome, this sleep) is durable before it sleeps in
  // memory: a crash during the sleep used to run that step again (issue 15).
  return x.writeNow().then(sleep, (err: unknown) => {
    x.release();
    throw err;
  });
}
