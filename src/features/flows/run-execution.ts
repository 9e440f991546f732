import type { EntryRef } from "../../core/context.js";
import { TesseraError } from "../../core/errors.js";
import type { EventDef } from "../../core/event.js";
import type { Logger } from "../../core/logger.js";
import type { JournalEntry, RunRecord, SignalRecord } from "../../ports/flow-store.js";
import {
  BranchCancelled,
  type BranchHost,
  inlineSleep,
  replayFirst,
  runParallel,
  Scope,
  scopeOf,
} from "./branches.js";
import { bindBudget, defaultBudget, RunBudget } from "./budget.js";
import { compensableCall, invokeEntry } from "./call-effect.js";
import type { Compensable } from "./compensation.js";
import { toMs } from "./duration.js";
import { type Ending, type EndingScope, endRun, type Outcome, type Wait } from "./end-run.js";
import { type EffectRunner, ExecutionContext } from "./execution-context.js";
import type { ExecutionHost } from "./execution-host.js";
import type { FlowDef } from "./flow.js";
import type { FlowCallOptions, FlowContext, StepInfo, StepOptions, WaitOptions } from "./flow-context.js";
import { errorBody, Interrupted, isControl, RunCancelled, rebuild } from "./flow-errors.js";
import { jsonForm, ReplayJournal } from "./replay-journal.js";
import { type AttemptHooks, type AttemptHost, retryDurably } from "./retry.js";
import type { SignalDef } from "./signal.js";

const never = <T>() => new Promise<T>(() => undefined);

/**
 * One execution of a run on this worker: the flow's code runs from the start; effects already in
 * the journal return their recorded outcome, new ones run and are journaled (group commit) before
 * the next effect leaves the process, the run suspends or it ends. When the code only waits (a timer
 * or a signal), the run is suspended in the store and the execution ends; another one resumes it
 * later, on any worker.
 */
export class RunExecution implements EffectRunner, EndingScope, AttemptHost, BranchHost {
  cancelRequested: boolean;
  private lost = false;
  private inflight = 0;
  readonly waits: Wait[] = [];
  readonly compensables: Compensable[] = [];
  readonly journal: ReplayJournal;
  private settle: ((o: Outcome) => void) | undefined;
  private checking = false;
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
    private readonly signals: readonly SignalRecord[],
  ) {
    this.journal = new ReplayJournal(journal, def.name, run.version, host);
    this.cancelRequested = run.cancelRequested;
    this.ctx = new ExecutionContext(this);
    this.budget = new RunBudget(
      { ...defaultBudget, ...host.budget, ...def.options.budget },
      journal.filter((e) => e.seq > 0).length,
      // Past its budget the run ends at once, even if its code catches the error and loops on.
      (error) => this.settle?.({ kind: "error", error }),
    );
    bindBudget(this.ctx, this.budget);
  }

  /** Stops the execution at its next effect, writing nothing more (lease lost, engine stopping). */
  interrupt(): void {
    this.lost = true;
    this.settle?.({ kind: "error", error: new Interrupted("interrupted") });
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
    this.done = true;
    try {
      return await endRun(this, outcome, this.lost);
    } catch (err) {
      if (err instanceof Interrupted) return { status: "interrupted" };
      throw err;
    }
  }

  // --- effects ---------------------------------------------------------------------------------

  private info(seq: number, attempt: number): StepInfo {
    const signal = this.scope().signal;
    const info = { runId: this.run.id, idempotencyKey: `${this.run.id}:${seq}`, attempt };
    return signal === undefined ? info : { ...info, signal };
  }

  /** The scope of the code asking for an effect: a parallel branch, or the flow's own code. */
  scope(): Scope {
    return scopeOf(this, this.root);
  }

  /** Keeps the run from suspending (a parallel awaiting its cancelled branches). */
  hold(): void {
    this.inflight++;
  }

  release(): void {
    this.inflight--;
    this.poke();
  }

  live(): void {
    if (this.lost) throw new Interrupted("interrupted");
    if (this.cancelRequested) throw new RunCancelled();
    if (this.budget.exceeded !== undefined) throw this.budget.exceeded;
  }

  /** Runs (or replays) one effect: its outcome is durable before the code sees it. */
  private async effect<T>(
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
    this.inflight++;
    try {
      const pause = this.budget.pace();
      if (pause !== undefined) await pause;
      if (rec !== undefined && rec.state !== "pending") {
        if (rec.state !== "ok") {
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
        rec === undefined && (scope.isBranch || this.inflight > 1)
          ? [this.journal.entry(seq, kind, name, "pending", null)]
          : [];
      if (this.journal.hasPending || started.length > 0)
        await this.host.commit.write(this.run.id, [...this.journal.takePending(), ...started]);
      let entry: JournalEntry;
      try {
        // A branch cancelled during the write-ahead still journals the effect it had started.
        if (scope.cancelled !== undefined) throw new BranchCancelled(scope.cancelled);
        entry = this.journal.entry(seq, kind, name, "ok", jsonForm(await exec(seq)));
      } catch (err) {
        if (isControl(err) && !(err instanceof BranchCancelled)) throw err;
        const value =
          scope.cancelled !== undefined ? scope.cancelledBody(err) : (hooks?.failure(err) ?? errorBody(err));
        entry = this.journal.entry(seq, kind, name, "error", value);
      }
      this.journal.add(entry);
      // A completed step is compensable even when a cancellation arrived while it ran.
      if (entry.state === "ok") onOk?.(seq, entry.value as T, entry.at);
      this.live();
      if (scope.cancelled !== undefined) throw new BranchCancelled(scope.cancelled);
      if (entry.state !== "ok") {
        hooks?.failed(seq, entry.value);
        throw rebuild(entry.value);
      }
      return entry.value as T;
    } finally {
      this.inflight--;
      this.poke();
    }
  }

  /** A value drawn by the code (time, randomness): journaled with the next write. */
  drawn<T>(kind: string, produce: () => T): T {
    const { seq, rec } = this.journal.take(this.scope().position(), kind, kind);
    if (rec !== undefined) return rec.value as T;
    this.budget.step(true);
    const value = produce();
    this.journal.add(this.journal.entry(seq, kind, kind, "ok", value));
    return value;
  }

  /** Parks the code: once nothing else is in flight, the run is suspended. */
  private park<T>(dueAt: number | undefined, name: string | undefined): Promise<T> {
    const wait = { dueAt, name };
    this.waits.push(wait);
    this.poke();
    // A cancelled branch abandons its wait: the run no longer waits for it.
    return this.scope().abandonable(never<T>(), () => {
      const i = this.waits.indexOf(wait);
      if (i >= 0) this.waits.splice(i, 1);
    });
  }

  private poke(): void {
    if (this.waits.length === 0 || this.inflight > 0 || this.checking || this.done) return;
    this.checking = true;
    setImmediate(() => {
      this.checking = false;
      if (this.waits.length > 0 && this.inflight === 0 && !this.done) this.settle?.({ kind: "suspend" });
    });
  }

  sleepUntil(target: number): Promise<void> {
    if (this.done) return never();
    const scope = this.scope();
    const { seq, rec } = this.journal.take(scope.position(), "sleep", "sleep");
    const until = rec === undefined ? target : (rec.value as number);
    if (rec === undefined) {
      try {
        scope.refuseNew();
        this.budget.step(true);
      } catch (err) {
        return Promise.reject(err);
      }
      this.journal.add(this.journal.entry(seq, "sleep", "sleep", "ok", until));
    }
    return this.resumeAt(until);
  }

  /** Goes on at `until`: at once (after a pause now and then), in memory when soon, else the run parks. */
  resumeAt(until: number): Promise<void> {
    const left = until - this.host.now();
    if (left <= 0) return this.budget.pace() ?? Promise.resolve();
    try {
      this.live();
    } catch (err) {
      return Promise.reject(err);
    }
    if (left > this.host.inlineSleepMs) return this.park(until, undefined);
    this.inflight++;
    return inlineSleep(this.scope(), left, () => {
      this.inflight--;
      this.poke();
    });
  }

  waitFor<T>(what: SignalDef | EventDef, options: WaitOptions<T> = {}): Promise<T | undefined> {
    const name = what.kind === "event" ? `event:${what.name}` : what.name;
    if (what.kind === "signal" && !this.declares(what.name)) {
      return Promise.reject(
        TesseraError.definition(
          what.name,
          `flow ${this.def.name} waits for signal "${what.name}" but does not declare it in its signals (no one could send it)`,
        ),
      );
    }
    const scope = this.scope();
    let seq: number;
    let rec: JournalEntry | undefined;
    try {
      ({ seq, rec } = this.journal.take(scope.position(), "wait", name));
    } catch (err) {
      return Promise.reject(err);
    }
    if (rec?.state === "ok") {
      const v = rec.value as { payload?: T; timedOut?: boolean };
      return Promise.resolve(v.timedOut ? undefined : v.payload);
    }
    try {
      if (rec === undefined) scope.refuseNew();
      this.live();
    } catch (err) {
      return Promise.reject(err);
    }
    const deadline =
      rec !== undefined
        ? (rec.value as { deadline: number | null }).deadline
        : options.timeout === undefined
          ? null
          : this.host.now() + toMs(options.timeout);
    const consumed = this.journal.consumed;
    const signal = this.signals.find(
      (s) => s.name === name && !consumed.has(s.id) && (options.match?.(s.payload as T) ?? true),
    );
    if (signal !== undefined || (deadline !== null && deadline <= this.host.now())) {
      if (signal !== undefined) consumed.add(signal.id);
      const value =
        signal === undefined ? { timedOut: true } : { signalId: signal.id, payload: signal.payload };
      this.inflight++;
      return this.host.commit
        .write(this.run.id, [
          ...this.journal.takePending(),
          this.journal.entry(seq, "wait", name, "ok", value),
        ])
        .then(() => (signal === undefined ? undefined : (signal.payload as T)))
        .finally(() => {
          this.inflight--;
          this.poke();
        });
    }
    if (rec === undefined) {
      try {
        this.budget.step(true);
      } catch (err) {
        return Promise.reject(err);
      }
      this.journal.add(this.journal.entry(seq, "wait", name, "pending", { deadline }));
    }
    return this.park(deadline ?? undefined, name);
  }

  /** True when a run of this flow may be sent that signal (a declared flow checks its own version's). */
  private declares(name: string): boolean {
    return this.def.signalsOf !== undefined || (this.def.options.signals ?? []).some((s) => s.name === name);
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
    const { retry, compensate, ...once } = options ?? {};
    const call = (seq: number) =>
      invokeEntry(this.host.invoker, ref, input, once, `${this.run.id}:${seq}`, this.scope().signal);
    const undo = compensableCall(this.host.invoker, ref.id, compensate, this.compensables);
    if (retry === undefined) return this.effect("call", ref.id, call, undo);
    // Each attempt journaled, the delays durable; the request id is the first attempt's on every one.
    return retryDurably(this, "call", ref.id, retry, (_attempt, first) => call(first), false, undo);
  }

  parallel<T>(branches: readonly (() => T | Promise<T>)[]): Promise<Awaited<T>[]> {
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
    const retry = options.retry ?? this.def.options.retry;
    const compensate = options.compensate as Compensable["compensate"] | undefined;
    const run = (seq: number, attempt: number) => Promise.resolve().then(() => fn(this.info(seq, attempt)));
    if (retry === undefined) {
      return this.effect(
        "step",
        name,
        (seq) => run(seq, 1),
        compensate === undefined
          ? undefined
          : (seq, result, at) => this.compensables.push({ seq, name, result, compensate, retry, at }),
      ) as Promise<Awaited<T>>;
    }
    // Compensated under the seq (the idempotency key) of its first attempt.
    return retryDurably(
      this,
      "step",
      name,
      retry,
      (attempt, first) => run(first, attempt),
      true,
      (seq, result, at) => {
        if (compensate !== undefined) this.compensables.push({ seq, name, result, compensate, retry, at });
      },
    ) as Promise<Awaited<T>>;
  }
}
