import { TesseraError } from "../../core/errors.js";
import { type FlowStore, type RunRecord, type RunStatus, terminalStatuses } from "../../ports/flow-store.js";
import type { Ending } from "./end-run.js";

type Waiter = (ending: Ending) => void;

/** Time kept to answer after a sync request stops waiting for its run (read the run, write the 202, cross a gateway). */
export const answerMarginMs = 500;

/**
 * How long a sync request may wait for its run: `waitMs`, cut short so that it answers (202, the
 * run still going) before its request's `deadline` (epoch ms) passes. A wait past the deadline
 * answered 504 instead of 202 (a `waitMs` over the request deadline, or 10 s on a node whose
 * requestTimeout is shorter).
 */
export function waitWithin(waitMs: number, deadline: number | undefined, now = Date.now()): number {
  if (deadline === undefined) return waitMs;
  return Math.max(0, Math.min(waitMs, deadline - now - answerMarginMs));
}

/** Whether an execution's ending is the end of its run (not a suspension, nor an interruption). */
const isFinal = (e: Ending): e is Ending & { readonly status: RunStatus } =>
  e.status !== "interrupted" && terminalStatuses.has(e.status);

/**
 * Those who wait for the end of runs: told at once when the run ends in this process, else by
 * reading the store now and then (another worker may end it).
 */
export class RunWaiters {
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** The endings of the executions running here, for starters that wait in this process. */
  private readonly endings = new Map<string, Promise<Ending>>();

  constructor(
    private readonly store: FlowStore,
    private readonly now: () => number,
  ) {}

  /** Keeps the ending of an execution that runs here until it settles. */
  track(runId: string, ending: Promise<Ending>): void {
    this.endings.set(runId, ending);
    void ending.then(() => this.endings.delete(runId));
  }

  /** The ending of the execution of the run in this process, if there is one. */
  local(runId: string): Promise<Ending> | undefined {
    return this.endings.get(runId);
  }

  /** An execution of the run ended here: its waiters hear of it. */
  ended(runId: string, ending: Ending): void {
    for (const w of this.waiters.get(runId) ?? []) w(ending);
  }

  /**
   * How the run ended, from the execution in this process when there is one (no read of the store),
   * else as {@link awaitRun} finds it.
   */
  async settled(runId: string, waitMs: number): Promise<Pick<RunRecord, "status" | "output" | "error">> {
    const local = this.endings.get(runId);
    if (local !== undefined) {
      // Within `waitMs` too: a step still in flight (a slow service) kept it past the request's deadline.
      const started = this.now();
      let timer: NodeJS.Timeout | undefined;
      const e = await Promise.race([
        local,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), waitMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (e !== undefined && isFinal(e)) return e as Pick<RunRecord, "status" | "output" | "error">;
      return this.awaitRun(runId, Math.max(0, waitMs - (this.now() - started)));
    }
    return this.awaitRun(runId, waitMs);
  }

  /** Resolves when the run ends, or after `waitMs` with what the store says then. */
  async awaitRun(runId: string, waitMs: number): Promise<RunRecord> {
    const current = await this.store.getRun(runId);
    if (current === undefined) throw TesseraError.notFound(`no run ${runId}`);
    if (terminalStatuses.has(current.status)) return current;
    const deadline = this.now() + waitMs;
    return new Promise<RunRecord>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const set = this.waiters.get(runId) ?? new Set<Waiter>();
      this.waiters.set(runId, set);
      const finish = (run: RunRecord) => {
        clearTimeout(timer);
        set.delete(onEnd);
        if (set.size === 0) this.waiters.delete(runId);
        resolve(run);
      };
      const onEnd: Waiter = (e) => {
        if (isFinal(e))
          finish({
            ...current,
            status: e.status,
            output: e.output,
            error: e.error,
            owner: undefined,
            leaseUntil: undefined,
            dueAt: undefined,
            updatedAt: this.now(),
          });
      };
      set.add(onEnd);
      // Another worker may finish it: look at the store now and then.
      const check = async () => {
        const run = await this.store.getRun(runId).catch(() => undefined);
        if (run !== undefined && (terminalStatuses.has(run.status) || this.now() >= deadline)) finish(run);
        else if (this.now() >= deadline) finish(current);
        else timer = setTimeout(check, Math.min(250, Math.max(1, deadline - this.now())));
      };
      timer = setTimeout(check, Math.min(250, waitMs));
    });
  }
}
