import type { EntryRef } from "../../core/context.js";
import type { ErrorBody } from "../../core/errors.js";
import type { EventDef } from "../../core/event.js";
import type { Logger } from "../../core/logger.js";
import { validate } from "../../core/schema.js";
import type { JournalEntry, RunRecord, RunStatus, SignalRecord } from "../../ports/flow-store.js";
import type { CallInvoker } from "./call-effect.js";
import { invokeEntry } from "./call-effect.js";
import { type Compensable, compensate } from "./compensation.js";
import { toMs } from "./duration.js";
import { type EffectRunner, ExecutionContext } from "./execution-context.js";
import type { FlowDef } from "./flow.js";
import type { FlowCallOptions, FlowContext, StepInfo, StepOptions, WaitOptions } from "./flow-context.js";
import { errorBody, Interrupted, isControl, NonDeterminism, RunCancelled, rebuild } from "./flow-errors.js";
import type { GroupCommit } from "./group-commit.js";
import { runWithRetry } from "./retry.js";
import type { SignalDef } from "./signal.js";

/** What an execution needs from its engine. */
export interface ExecutionHost {
  readonly logger: Logger;
  readonly commit: GroupCommit;
  readonly invoker: CallInvoker;
  /** Sleeps up to this long stay in memory (the lease is renewed meanwhile) instead of suspending. */
  readonly inlineSleepMs: number;
  now(): number;
  /** Posts the end of a run to its callback URL (retried); throws when it finally fails. */
  notify(url: string, body: unknown): Promise<void>;
}

type Outcome =
  | { readonly kind: "ok"; readonly value: unknown }
  | { readonly kind: "error"; readonly error: unknown }
  | { readonly kind: "suspend" };

/** How an execution ended, for the engine's books. */
export interface Ending {
  readonly status: RunStatus | "interrupted";
  readonly output?: unknown;
  readonly error?: ErrorBody | undefined;
  /** When a suspended run is due again. */
  readonly dueAt?: number | undefined;
}

const noJournal: ReadonlyMap<number, JournalEntry> = new Map();
const never = <T>() => new Promise<T>(() => undefined);
// What a replay would read back: the JSON form (finite numbers, strings and booleans are their own).
const json = <T>(v: T): T => {
  if (v === undefined || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  return JSON.parse(JSON.stringify(v)) as T;
};

/**
 * One execution of a run on this worker: the flow's code runs from the start; effects already in
 * the journal return their recorded outcome, new ones run and are journaled (group commit) before
 * the next effect leaves the process, the run suspends or it ends. When the code only waits (a timer or a signal), the run is suspended in the
 * store and the execution ends; another one resumes it later, on any worker.
 */
export class RunExecution implements EffectRunner {
  cancelRequested: boolean;
  private lost = false;
  private seq = 0;
  private inflight = 0;
  private pending: JournalEntry[] = [];
  private readonly waits: { dueAt: number | undefined; name: string | undefined }[] = [];
  private readonly compensables: Compensable[] = [];
  private readonly journal: ReadonlyMap<number, JournalEntry>;
  private readonly consumed = new Set<number>();
  private settle: ((o: Outcome) => void) | undefined;
  private checking = false;
  private log: Logger | undefined;
  private done = false;
  readonly ctx: FlowContext;

  constructor(
    private readonly host: ExecutionHost,
    private readonly def: FlowDef,
    readonly run: RunRecord,
    journal: readonly JournalEntry[],
    private readonly signals: readonly SignalRecord[],
  ) {
    this.journal = journal.length === 0 ? noJournal : new Map(journal.map((e) => [e.seq, e]));
    for (const e of journal) {
      const id = (e.value as { signalId?: number } | undefined)?.signalId;
      if (e.kind === "wait" && typeof id === "number") this.consumed.add(id);
    }
    this.cancelRequested = run.cancelRequested;
    this.ctx = new ExecutionContext(this);
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
      return await this.conclude(outcome);
    } catch (err) {
      if (err instanceof Interrupted) return { status: "interrupted" };
      throw err;
    }
  }

  private async conclude(outcome: Outcome): Promise<Ending> {
    if (this.lost || (outcome.kind === "error" && outcome.error instanceof Interrupted)) {
      return { status: "interrupted" };
    }
    if (outcome.kind === "suspend") return this.suspend();
    if (outcome.kind === "ok") {
      const extra = [...this.journal.keys()].filter((s) => s > this.seq);
      if (extra.length === 0) {
        try {
          const output =
            this.def.options.output === undefined
              ? json(outcome.value)
              : await validate(this.def.options.output, outcome.value, `output of flow ${this.def.name}`);
          return this.end("completed", output, undefined);
        } catch (err) {
          return this.fail(err);
        }
      }
      return this.fail(
        new NonDeterminism(`flow ${this.def.name} ended before journal entry ${extra[0]}: its code changed`, {
          runVersion: this.run.version,
          codeVersion: this.def.version,
        }),
      );
    }
    return this.fail(outcome.error);
  }

  private async fail(error: unknown): Promise<Ending> {
    if (error instanceof NonDeterminism) {
      this.host.logger.error("run blocked: its journal does not match the flow's code", {
        runId: this.run.id,
        flow: this.def.name,
        ...error.details,
      });
      await this.host.commit.write(this.run.id, this.takePending(), {
        status: "blocked",
        error: errorBody(error),
        release: true,
      });
      return { status: "blocked", error: errorBody(error) };
    }
    const cancelled = error instanceof RunCancelled;
    const cause = errorBody(error);
    const failure = await this.compensate();
    if (failure !== undefined) return this.end("failed", undefined, failure);
    if (cancelled) return this.end("cancelled", undefined, cause);
    return this.end(this.compensables.length > 0 ? "compensated" : "failed", undefined, cause);
  }

  /** Unwinds the saga: the compensations of the completed steps, in reverse order (see compensation.ts). */
  private async compensate(): Promise<ErrorBody | undefined> {
    if (this.compensables.length === 0) return undefined;
    if (this.run.status !== "compensating") {
      await this.host.commit.write(this.run.id, this.takePending(), {
        status: "compensating",
        release: false,
      });
    }
    return compensate(
      {
        runId: this.run.id,
        journaled: (seq) => this.journal.get(seq),
        entry: (seq, kind, name, state, value) => this.entry(seq, kind, name, state, value),
        write: (entries) => this.host.commit.write(this.run.id, entries),
      },
      this.compensables,
    );
  }

  private async end(status: RunStatus, output: unknown, error: ErrorBody | undefined): Promise<Ending> {
    const entries = this.takePending();
    const url = this.run.callbackUrl;
    if (url !== undefined && !this.journal.has(0)) {
      const body = { runId: this.run.id, flow: this.def.name, status, output, error };
      try {
        await this.host.notify(url, body);
        entries.push(this.entry(0, "callback", url, "ok", undefined));
      } catch (err) {
        this.host.logger.warn("run callback failed", { runId: this.run.id, url, err });
        entries.push(this.entry(0, "callback", url, "error", errorBody(err)));
      }
    }
    await this.host.commit.write(this.run.id, entries, { status, output, error, release: true });
    return { status, output, error };
  }

  private async suspend(): Promise<Ending> {
    let dueAt: number | undefined;
    const names: string[] = [];
    for (const w of this.waits) {
      if (w.dueAt !== undefined) dueAt = dueAt === undefined ? w.dueAt : Math.min(dueAt, w.dueAt);
      if (w.name !== undefined) names.push(w.name);
    }
    const status: RunStatus = names.length > 0 ? "waiting" : "sleeping";
    const waitingFor = names.length > 0 ? names.join(" ") : undefined;
    await this.host.commit.write(this.run.id, this.takePending(), {
      status,
      dueAt,
      waitingFor,
      release: true,
      seenSignals: this.run.signalCount,
    });
    return { status, dueAt };
  }

  // --- effects ---------------------------------------------------------------------------------

  private entry(
    seq: number,
    kind: string,
    name: string,
    state: JournalEntry["state"],
    value: unknown,
  ): JournalEntry {
    return { seq, kind, name, state, value, at: this.host.now() };
  }

  private info(seq: number, attempt: number): StepInfo {
    return { runId: this.run.id, idempotencyKey: `${this.run.id}:${seq}`, attempt };
  }

  private takePending(): JournalEntry[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }

  /** The journaled entry of `seq`, checked against what the code asks for now. */
  private replayed(seq: number, kind: string, name: string): JournalEntry | undefined {
    const rec = this.journal.get(seq);
    if (rec !== undefined && (rec.kind !== kind || rec.name !== name)) {
      throw new NonDeterminism(
        `flow ${this.def.name}: effect ${seq} is ${kind} "${name}" in the code but ${rec.kind} "${rec.name}" in the journal`,
        { seq, code: `${kind} ${name}`, journal: `${rec.kind} ${rec.name}`, runVersion: this.run.version },
      );
    }
    return rec;
  }

  private live(): void {
    if (this.lost) throw new Interrupted("interrupted");
    if (this.cancelRequested) throw new RunCancelled();
  }

  /** Runs (or replays) one effect: its outcome is durable before the code sees it. */
  private async effect<T>(
    kind: string,
    name: string,
    exec: (seq: number) => Promise<T>,
    onOk?: (seq: number, value: T) => void,
  ): Promise<T> {
    const seq = ++this.seq;
    const rec = this.replayed(seq, kind, name);
    if (rec !== undefined) {
      if (rec.state !== "ok") throw rebuild(rec.value);
      onOk?.(seq, rec.value as T);
      return rec.value as T;
    }
    this.live();
    this.inflight++;
    try {
      // Write-ahead: what the code saw so far (earlier outcomes, drawn values) is durable before
      // this effect leaves the process. An outcome itself waits in `pending` for the next effect,
      // the suspension or the end of the run: until then nothing outside depends on it, and a
      // crash in between only means the effect runs again (at least once, as when it is in flight).
      if (this.pending.length > 0) await this.host.commit.write(this.run.id, this.takePending());
      let entry: JournalEntry;
      try {
        entry = this.entry(seq, kind, name, "ok", json(await exec(seq)));
      } catch (err) {
        if (isControl(err)) throw err;
        entry = this.entry(seq, kind, name, "error", errorBody(err));
      }
      this.pending.push(entry);
      this.live();
      if (entry.state !== "ok") throw rebuild(entry.value);
      onOk?.(seq, entry.value as T);
      return entry.value as T;
    } finally {
      this.inflight--;
      this.poke();
    }
  }

  /** A value drawn by the code (time, randomness): journaled with the next write. */
  drawn<T>(kind: string, produce: () => T): T {
    const seq = ++this.seq;
    const rec = this.replayed(seq, kind, kind);
    if (rec !== undefined) return rec.value as T;
    const value = produce();
    this.pending.push(this.entry(seq, kind, kind, "ok", value));
    return value;
  }

  /** Parks the code: once nothing else is in flight, the run is suspended. */
  private park<T>(dueAt: number | undefined, name: string | undefined): Promise<T> {
    this.waits.push({ dueAt, name });
    this.poke();
    return never<T>();
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
    const seq = ++this.seq;
    const rec = this.replayed(seq, "sleep", "sleep");
    const until = rec === undefined ? target : (rec.value as number);
    if (rec === undefined) this.pending.push(this.entry(seq, "sleep", "sleep", "ok", until));
    const left = until - this.host.now();
    if (left <= 0) return Promise.resolve();
    try {
      this.live();
    } catch (err) {
      return Promise.reject(err);
    }
    if (left > this.host.inlineSleepMs) return this.park(until, undefined);
    this.inflight++;
    return new Promise<void>((resolve) => setTimeout(resolve, left)).finally(() => {
      this.inflight--;
      this.poke();
    });
  }

  waitFor<T>(what: SignalDef | EventDef, options: WaitOptions<T> = {}): Promise<T | undefined> {
    const name = what.kind === "event" ? `event:${what.name}` : what.name;
    const seq = ++this.seq;
    let rec: JournalEntry | undefined;
    try {
      rec = this.replayed(seq, "wait", name);
    } catch (err) {
      return Promise.reject(err);
    }
    if (rec?.state === "ok") {
      const v = rec.value as { payload?: T; timedOut?: boolean };
      return Promise.resolve(v.timedOut ? undefined : v.payload);
    }
    try {
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
    const signal = this.signals.find(
      (s) => s.name === name && !this.consumed.has(s.id) && (options.match?.(s.payload as T) ?? true),
    );
    if (signal !== undefined || (deadline !== null && deadline <= this.host.now())) {
      if (signal !== undefined) this.consumed.add(signal.id);
      const value =
        signal === undefined ? { timedOut: true } : { signalId: signal.id, payload: signal.payload };
      this.inflight++;
      return this.host.commit
        .write(this.run.id, [...this.takePending(), this.entry(seq, "wait", name, "ok", value)])
        .then(() => (signal === undefined ? undefined : (signal.payload as T)))
        .finally(() => {
          this.inflight--;
          this.poke();
        });
    }
    if (rec === undefined) this.pending.push(this.entry(seq, "wait", name, "pending", { deadline }));
    return this.park(deadline ?? undefined, name);
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
    return this.effect("call", ref.id, (seq) =>
      invokeEntry(this.host.invoker, ref, input, options, `${this.run.id}:${seq}`),
    );
  }

  stepEffect<T>(
    name: string,
    fn: (info: StepInfo) => T | Promise<T>,
    options: StepOptions<Awaited<T>>,
  ): Promise<Awaited<T>> {
    const retry = options.retry ?? this.def.options.retry;
    const compensate = options.compensate as Compensable["compensate"] | undefined;
    return this.effect(
      "step",
      name,
      (seq) =>
        retry === undefined
          ? Promise.resolve().then(() => fn(this.info(seq, 1)))
          : runWithRetry(retry, (attempt) => fn(this.info(seq, attempt)), true),
      compensate === undefined
        ? undefined
        : (seq, result) => this.compensables.push({ seq, name, result, compensate, retry }),
    ) as Promise<Awaited<T>>;
  }
}
