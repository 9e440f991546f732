import type { EntryRef } from "../../core/context.js";
import type { EventDef } from "../../core/event.js";
import type { Logger } from "../../core/logger.js";
import type { JournalEntry, RunRecord, SignalRecord } from "../../ports/flow-store.js";
import { Activity } from "./activity.js";
import { BranchCancelled, type BranchHost, replayFirst, runParallel, Scope, scopeOf } from "./branches.js";
import { bindBudget, defaultBudget, RunBudget } from "./budget.js";
import type { CallInvoker } from "./call-effect.js";
import type { Compensable } from "./compensation.js";
import { cutShort } from "./cut-short.js";
import { type Ending, type EndingScope, endRun, type Outcome } from "./end-run.js";
import { type EffectRunner, ExecutionContext } from "./execution-context.js";
import type { ExecutionHost } from "./execution-host.js";
import type { FlowDef } from "./flow.js";
import type { FlowCallOptions, FlowContext, StepInfo, StepOptions, WaitOptions } from "./flow-context.js";
import { errorBody, Interrupted, isControl, RunCancelled, rebuild } from "./flow-errors.js";
import { jsonForm, ReplayJournal } from "./replay-journal.js";
import type { AttemptHooks } from "./retry.js";
import { effectSignal, type RunLease } from "./run-lease.js";
import type { SignalDef } from "./signal.js";
import { resumeAt, sleepEffect } from "./sleep-effect.js";
import { endStalled, isStalled } from "./stalled-run.js";
import { callEffect, type StepHost, stepEffect } from "./step-and-call.js";
import { waitEffect } from "./wait-effect.js";

const never = <T>() => new Promise<T>(() => undefined);

/**
 * One execution of a run on this worker: the flow's code runs from the start; effects already in
 * the journal return their recorded outcome, new ones run and are journaled (group commit) before
 * the next effect leaves the process, the run suspends or it ends. When the code only waits (a timer
 * or a signal), the run is suspended in the store and the execution ends; another one resumes it
 * later, on any worker.
 */
export class RunExecution implements EffectRunner, EndingScope, StepHost, BranchHost {
  cancelRequested: boolean;
  private lost = false;
  /** The worker is stopping: no new effect starts, and what the run knows is written (see `stop`). */
  private stopping = false;
  /** The code met the stop (an effect refused): whatever it did next, the run is only handed over. */
  private stopMet = false;
  readonly compensables: Compensable[] = [];
  readonly journal: ReplayJournal;
  private settle: ((o: Outcome) => void) | undefined;
  /** Effects in flight and parked waits: the run suspends once only waits are left. */
  private readonly activity: Activity;
  private log: Logger | undefined;
  private done = false;
  readonly ctx: FlowContext;
  /** The flow's own code; `ctx.parallel` runs branches in scopes of their own (see branches.ts). */
  private readonly root = new Scope(this, "", false);
  readonly budget: RunBudget;

  constructor(
    readonly host: ExecutionHost,
    readonly def: FlowDef,
    readonly run: RunRecord,
    journal: readonly JournalEntry[],
    readonly signals: readonly SignalRecord[],
    /** This activation's lease: its fencing token, and whether it surely still holds (see run-lease.ts). */
    readonly lease: RunLease,
  ) {
    this.journal = new ReplayJournal(journal, def.name, run.version, host);
    this.cancelRequested = run.cancelRequested;
    this.ctx = new ExecutionContext(this);
    this.activity = new Activity(host.now, () => this.settle?.({ kind: "suspend" }));
    this.budget = new RunBudget(
      { ...defaultBudget, ...host.budget, ...def.options.budget },
      journal.filter((e) => e.seq > 0).length,
      // Past its budget the run is over: it ends at once and its code is abandoned (see `done`).
      (error) => {
        this.finish();
        this.settle?.({ kind: "error", error });
      },
    );
    bindBudget(this.ctx, this.budget);
  }

  /**
   * Stops the execution at its next effect, writing nothing more (the lease was lost, or may have
   * expired): the effects in flight see their signal aborted. False when it was stopped already.
   */
  interrupt(): boolean {
    if (this.lost) return false;
    this.lost = true;
    this.lease.lose("interrupted: the run is left to the next worker");
    this.settle?.({ kind: "error", error: new Interrupted("interrupted") });
    return true;
  }

  /**
   * Throws `Interrupted` (the execution stopped) unless this worker surely still holds the run's
   * lease: checked before every effect leaves the process, with no round trip to the store.
   */
  fence(): void {
    if (this.lost) throw new Interrupted("interrupted");
    if (this.lease.held) return;
    this.lease.expire();
    this.interrupt();
    this.lease.check();
  }

  /**
   * The worker is stopping gracefully: the effect in flight may finish, none starts after it, and
   * the outcomes and sleeps already decided are written before the run is released (issue 15: a
   * SIGTERM used to drop them, so the next worker ran the last finished step again). `now`: stop
   * at once (the grace period is over), still writing what is known.
   */
  stop(now = false): void {
    this.stopping = true;
    if (!now) return;
    this.stopMet = true;
    this.settle?.({ kind: "error", error: new Interrupted("the worker is stopping") });
  }

  /** Runs the code to its end or suspension and commits the outcome. */
  async execute(): Promise<Ending> {
    const outcome = await new Promise<Outcome>((resolve) => {
      this.settle = resolve;
      Promise.resolve()
        .then(() => this.def.body(this.ctx, this.run.input as never))
        .then(
          (value) => resolve({ kind: "ok", value }),
          (error: unknown) => resolve({ kind: "error", error }),
        );
    });
    this.finish();
    if (this.stopMet && !this.lost) return this.handOver();
    try {
      return await endRun(this, outcome, this.lost);
    } catch (err) {
      if (err instanceof Interrupted) return { status: "interrupted" };
      throw err;
    }
  }

  /** True when the run was taken over too many times in a row without progress (see stalled-run.ts). */
  get stalled(): boolean {
    return isStalled(this);
  }

  /** Ends a stalled run `failed`, its code not run again (see stalled-run.ts). */
  failStalled(): Promise<Ending> {
    this.finish();
    return endStalled(this, this.lost);
  }

  /** A graceful stop: what the run knows is written; the engine then releases the run. */
  private async handOver(): Promise<Ending> {
    try {
      if (this.journal.hasPending) await this.host.commit.write(this.run.id, this.journal.takePending());
    } catch (err) {
      if (!(err instanceof Interrupted)) throw err;
    }
    return { status: "interrupted" };
  }

  /**
   * The code is abandoned from here: its later asynchronous `ctx` calls never settle (a loop that
   * catches errors stops at its next effect), its drawn values are no longer journaled.
   */
  private finish(): void {
    this.done = true;
    this.activity.stop();
  }

  get waits(): EndingScope["waits"] {
    return this.activity.waits;
  }

  // --- effects ---------------------------------------------------------------------------------

  stepInfo(seq: number, attempt: number): StepInfo {
    const { id, origin } = this.run;
    const signal = this.effectSignal();
    return {
      runId: id,
      idempotencyKey: `${id}:${seq}`,
      fencingToken: this.lease.fencingToken,
      attempt,
      origin,
      // Made when the step reads it (an AbortController per run costs when no step does).
      get signal() {
        return signal();
      },
    };
  }

  effectSignal(): () => AbortSignal {
    return effectSignal(this.lease, this.scope());
  }

  get invoker(): CallInvoker {
    return this.host.invoker;
  }

  /** The scope of the code asking for an effect: a parallel branch, or the flow's own code. */
  scope(): Scope {
    return scopeOf(this, this.root);
  }

  /** Keeps the run from suspending (a parallel awaiting its cancelled branches). */
  hold(): void {
    this.activity.begin();
  }

  release(): void {
    this.activity.end();
  }

  live(): void {
    this.fence();
    if (this.stopping) {
      this.stopMet = true;
      throw new Interrupted("the worker is stopping");
    }
    if (this.cancelRequested) throw new RunCancelled();
    if (this.budget.exceeded !== undefined) throw this.budget.exceeded;
  }

  /** Runs (or replays) one effect: its outcome is durable before the code sees it. */
  async effect<T>(
    kind: string,
    name: string,
    exec: (seq: number) => Promise<T>,
    onOk?: (seq: number, value: T, at: number) => void,
    hooks?: AttemptHooks,
  ): Promise<T> {
    if (this.done) return never<T>(); // the run ended (its budget): code still looping goes no further
    const scope = this.scope();
    const { seq, rec } = this.journal.take(scope.position(), kind, name);
    // In flight from here (its pause too): a parked sibling branch must not suspend the run now.
    this.activity.begin();
    try {
      const pause = this.budget.pace();
      if (pause !== undefined) await pause;
      if (rec !== undefined && rec.state !== "pending") {
        if (rec.state !== "ok") {
          if (cutShort(rec.value)) onOk?.(seq, undefined as T, rec.at);
          hooks?.failed(seq, rec.value);
          throw rebuild(rec.value);
        }
        onOk?.(seq, rec.value as T, rec.at);
        return rec.value as T;
      }
      scope.refuseNew();
      if (scope.isBranch && this.journal.unvisited > 0) await replayFirst(this.journal, scope);
      this.live();
      this.budget.step(true);
      // Write-ahead: what the code saw so far (earlier outcomes, drawn values) is durable before
      // this effect leaves the process. An outcome itself waits in the journal's pending entries for
      // the next effect, the suspension or the end of the run: until then nothing outside depends on
      // it, and a crash in between only means the effect runs again (at least once, as when it is in
      // flight). An effect that leaves beside others (a branch, an async call) is journaled pending
      // too, so that a replay re-issues it with the same seq (the same idempotency key).
      const started =
        rec === undefined && (scope.isBranch || this.activity.inFlight > 1)
          ? [this.journal.entry(seq, kind, name, "pending", null)]
          : [];
      if (this.journal.hasPending || started.length > 0)
        await this.host.commit.write(this.run.id, [...this.journal.takePending(), ...started]);
      let entry: JournalEntry;
      let left = false;
      try {
        // A branch cancelled during the write-ahead still journals the effect it had started.
        if (scope.cancelled !== undefined) throw new BranchCancelled(scope.cancelled);
        // The lease again, right before the effect leaves: the write-ahead may have taken long.
        this.fence();
        left = true;
        entry = this.journal.entry(seq, kind, name, "ok", jsonForm(await exec(seq)));
      } catch (err) {
        if (isControl(err) && !(err instanceof BranchCancelled)) throw err;
        const value =
          scope.cancelled !== undefined
            ? scope.cancelledBody(err, left)
            : (hooks?.failure(err) ?? errorBody(err));
        entry = this.journal.entry(seq, kind, name, "error", value);
      }
      if (this.done) return never<T>(); // the run ended meanwhile (its budget): nothing more of it
      this.journal.add(entry);
      // Beside other effects the run may go on for long: the outcome is durable at once, so that a
      // crash before the next write never makes a completed effect run again.
      if (started.length > 0 || rec !== undefined || this.activity.inFlight > 1) await this.writeNow();
      // A completed step is compensable even when a cancellation arrived while it ran; one cut short
      // by it may have landed too (a service that ignores the abort): compensated, result unknown.
      if (entry.state === "ok" || cutShort(entry.value))
        onOk?.(seq, (entry.state === "ok" ? entry.value : undefined) as T, entry.at);
      this.live();
      if (scope.cancelled !== undefined) throw new BranchCancelled(scope.cancelled);
      if (entry.state !== "ok") {
        hooks?.failed(seq, entry.value);
        throw rebuild(entry.value);
      }
      return entry.value as T;
    } finally {
      this.activity.end();
    }
  }

  /**
   * A value drawn by the code (time, randomness): journaled with the next write. Past the budget
   * (after the one call that went past it threw) it is drawn unjournaled, so that code catching the
   * error goes on to its next asynchronous effect, which never settles.
   */
  drawn<T>(kind: string, produce: () => T): T {
    if (this.done) return produce();
    const { seq, rec } = this.journal.take(this.scope().position(), kind, kind);
    if (rec !== undefined) return rec.value as T;
    this.budget.step(true);
    const value = produce();
    this.journal.add(this.journal.entry(seq, kind, kind, "ok", value));
    return value;
  }

  /**
   * Parks the code: once nothing else is in flight, the run is suspended; until then `due` goes on at
   * `dueAt` (see Activity). With something in flight, what the code journaled is made durable now.
   */
  park<T>(dueAt: number | undefined, name: string | undefined, due?: () => Promise<T>): Promise<T> {
    if (this.activity.inFlight > 0 && this.journal.hasPending) this.writeNow().catch(() => this.interrupt());
    return this.activity.park(this.scope(), dueAt, name, due);
  }

  writeNow(entries: readonly JournalEntry[] = []): Promise<void> {
    this.activity.begin();
    return this.host.commit
      .write(this.run.id, [...this.journal.takePending(), ...entries])
      .finally(() => this.activity.end());
  }

  sleepUntil(target: number): Promise<void> {
    return this.done ? never() : sleepEffect(this, target);
  }

  /** Goes on at `until`: at once (after a pause now and then), in memory when soon, else the run parks. */
  resumeAt(until: number): Promise<void> {
    return this.done ? never() : resumeAt(this, until);
  }

  waitFor<T>(what: SignalDef | EventDef, options?: WaitOptions<T>): Promise<T | undefined> {
    return this.done ? never() : waitEffect(this, what, options);
  }

  // --- what the context asks (see ExecutionContext) -------------------------------------------

  get runId(): string {
    return this.run.id;
  }

  get flowName(): string {
    return this.def.name;
  }

  logger(): Logger {
    this.log ??= this.host.logger.child({ flow: this.def.name, runId: this.run.id });
    return this.log;
  }

  now(): number {
    return this.host.now();
  }

  callEffect(ref: EntryRef, input: unknown, options: FlowCallOptions | undefined): Promise<unknown> {
    return callEffect(this, ref, input, options);
  }

  parallel<T>(branches: readonly (() => T | Promise<T>)[]): Promise<Awaited<T>[]> {
    if (this.done) return never();
    return runParallel(this, branches);
  }

  /** One attempt of a retried step or call: an effect of its own (see `retryDurably`). */
  attempt<T>(kind: string, name: string, exec: (seq: number) => Promise<T>, hooks: AttemptHooks): Promise<T> {
    return this.effect(kind, name, exec, (seq, value, at) => hooks.ok(seq, value, at), hooks);
  }

  stepEffect<T>(
    name: string,
    fn: (info: StepInfo) => T | Promise<T>,
    options: StepOptions<Awaited<T>>,
  ): Promise<Awaited<T>> {
    return stepEffect(this, name, fn, options);
  }
}
