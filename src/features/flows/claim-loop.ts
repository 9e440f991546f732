import { RepeatedFailure } from "../../core/repeated-failure.js";
import type { FlowStore, RunRecord } from "../../ports/flow-store.js";
import type { Ending } from "./end-run.js";
import type { ExecutionHost } from "./execution-host.js";
import type { FlowDef } from "./flow.js";
import type { FlowDefinitions } from "./flow-definitions.js";
import type { GroupCommit } from "./group-commit.js";
import { RunExecution } from "./run-execution.js";
import { type LeaseStamp, leaseStamp, leaseValidMs, RunLease } from "./run-lease.js";
import type { RunWaiters } from "./run-waiters.js";

export interface ClaimLoopOptions {
  readonly store: FlowStore;
  /** The owner of the leases. */
  readonly workerId: string;
  /** Runs executing at once. */
  readonly concurrency: number;
  readonly leaseMs: number;
  /** How often the held leases are renewed (one statement for all of them). */
  readonly renewMs: number;
  /** How often to look for due runs when nothing wakes the loop. */
  readonly pollMs: number;
  /**
   * Runs taken from the store per claim, and how many a worker runs before the runs started on it
   * wait in the store for whichever worker has room: the work spreads over the workers.
   */
  readonly claimBatch: number;
  readonly now: () => number;
  readonly definitions: FlowDefinitions;
  readonly commit: GroupCommit;
  readonly waiters: RunWaiters;
}

/**
 * The worker's side of an engine: it claims due runs from the store under a lease (so that many
 * workers share the work), executes them while it has room, renews the leases of the runs it holds
 * (interrupting those it lost), and wakes its own suspended runs when they are due.
 */
export class ClaimLoop {
  private readonly executions = new Map<string, RunExecution>();
  /** The leases of the runs executing here: their fencing tokens and until when they surely hold. */
  private readonly leases = new Map<string, RunLease>();
  /** Runs whose lease was found expired since the last renewal (logged then, in one line). */
  private readonly expired = new Set<string>();
  private readonly endings = new Map<string, Promise<Ending>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** True when the store may hold due runs beyond what the last claim took. */
  private backlog = true;
  /** Since when this worker's claims have come back full (runs left in the store), if they do. */
  private backlogSince: number | undefined;
  private host: ExecutionHost | undefined;
  private poller: NodeJS.Timeout | undefined;
  private renewer: NodeJS.Timeout | undefined;
  private pollScheduled = false;
  /** Runs being created here, counted as executing (see `reserve`). */
  private starting = 0;
  private polling = false;
  private active = false;
  /** Failures of claims (tried again from pollMs to 10 s apart), renewals, executions: logged once, then counted. */
  private claimFailures: RepeatedFailure | undefined;
  private renewFailures: RepeatedFailure | undefined;
  private executionFailures: RepeatedFailure | undefined;

  constructor(private readonly o: ClaimLoopOptions) {}

  get running(): boolean {
    return this.active;
  }

  /**
   * True when a run started here should execute here at once: this worker has room and runs fewer
   * than a claim's batch. Beyond, the run waits in the store, due now, for the first worker with
   * room, oldest first (issue 15: 150 runs started through one node all ran there, two idle).
   */
  get hasRoom(): boolean {
    const busy = this.executions.size + this.starting;
    return this.active && busy < Math.min(this.o.concurrency, this.o.claimBatch);
  }

  /**
   * Holds a place for a run being created here when there is room (true): starts arriving together
   * must not all count the same free place. Give it back with {@link unreserve} once launched.
   */
  reserve(): boolean {
    if (!this.hasRoom) return false;
    this.starting++;
    return true;
  }

  /** Gives back a place taken by {@link reserve}. */
  unreserve(): void {
    this.starting--;
  }

  /** Starts claiming and renewing; executions run on `host`. */
  start(host: ExecutionHost): void {
    this.host = host;
    this.active = true;
    const backoff = { baseDelayMs: this.o.pollMs, maxDelayMs: Math.max(this.o.pollMs, 10_000) };
    this.claimFailures = new RepeatedFailure(host.logger, "claiming runs", { level: "error", backoff });
    this.renewFailures = new RepeatedFailure(host.logger, "renewing leases", { level: "error" });
    this.executionFailures = new RepeatedFailure(host.logger, "executing a run", { level: "error" });
    this.renewer = setInterval(() => void this.renew(), this.o.renewMs);
    this.wake();
  }

  /**
   * Stops claiming; the executions finish the effect in flight and start no other, for `graceMs` at
   * most, then stop at once. Either way each writes what it knows before it ends (the leases are
   * renewed meanwhile); the engine then releases the runs for the next worker.
   */
  async stop(graceMs: number): Promise<void> {
    this.active = false;
    clearTimeout(this.poller);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const x of this.executions.values()) x.stop();
    const all = () => Promise.all(this.endings.values()).then(() => undefined);
    const within = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        void all().then(() => {
          clearTimeout(t);
          resolve();
        });
      });
    await within(graceMs);
    for (const x of this.executions.values()) x.stop(true);
    // Stopped at once, an execution only writes its pending entries; one still compensating goes
    // on alone (its next write finds the run released and stops there).
    await within(1000);
    clearInterval(this.renewer);
  }

  /** Forgets the halted executions, once their runs are released. */
  forget(): void {
    this.executions.clear();
    this.endings.clear();
  }

  /** The lease this worker holds on a run it executes, if it does (the group commit fences writes by it). */
  lease(runId: string): RunLease | undefined {
    return this.leases.get(runId);
  }

  /** Tells the executions of these runs, if they run here, that a cancellation was requested. */
  requestCancel(runIds: Iterable<string>): void {
    for (const id of runIds) {
      const x = this.executions.get(id);
      if (x !== undefined) x.cancelRequested = true;
    }
  }

  /** Something became due in the store: claim at once. */
  wake(): void {
    this.backlog = true;
    this.schedulePoll(0, true);
  }

  /**
   * A run started here was left in the store for any worker: this worker claims it at once only
   * while it runs fewer than its share (`claimBatch`); else at its next poll, like every other
   * worker, so that the idle ones get it first.
   */
  queued(): void {
    this.backlog = true;
    if (this.belowShare) this.schedulePoll(0);
  }

  /**
   * The pause before the next poll: `pollMs` for a worker below its share, twice as long past one
   * share, three times past two: the idle workers poll first, so the work spreads (issue 15: 150 runs
   * started through one node all ran there), while a lone busy worker still fills up.
   */
  private pollDelay(): number {
    if (this.othersHadTheirTurn) return Math.max(10, Math.floor(this.o.pollMs / 10));
    const shares = Math.floor((this.executions.size + this.starting) / this.o.claimBatch);
    return this.o.pollMs * (1 + Math.min(2, shares));
  }

  /**
   * The backlog has outlived a whole poll interval: every idle worker has polled since and taken its
   * share, so the others are full or absent. This worker then claims a batch at every short pause
   * while it has room, like every other worker in that state, and the claims interleave. Without it a
   * lone worker never got past about two batches' worth of runs at once while runs queued (the
   * issue 15 fix made concurrency 100 run 24 at a time).
   */
  private get othersHadTheirTurn(): boolean {
    return (
      this.backlog && this.backlogSince !== undefined && this.o.now() - this.backlogSince >= this.o.pollMs
    );
  }

  /** Fewer executions than a claim's batch: this worker claims eagerly (see `queued`). */
  private get belowShare(): boolean {
    return this.executions.size + this.starting < this.o.claimBatch;
  }

  /** `delay` 0: at once, unless claims are failing (the backoff's poll is pending) and `wake` did not ask. */
  private schedulePoll(delay: number, woken = false): void {
    if (!this.active) return;
    if (delay === 0) {
      if (this.claimFailures?.failing === true && !woken) return;
      if (this.pollScheduled) return;
      this.pollScheduled = true;
      setImmediate(() => {
        this.pollScheduled = false;
        void this.poll();
      });
      return;
    }
    clearTimeout(this.poller);
    this.poller = setTimeout(() => void this.poll(), delay);
  }

  private async poll(runId?: string): Promise<void> {
    if (!this.active || (this.polling && runId === undefined)) return;
    const room = Math.min(this.o.concurrency - this.executions.size - this.starting, this.o.claimBatch);
    if (room <= 0) {
      if (runId === undefined) this.schedulePoll(this.pollDelay());
      return;
    }
    if (runId === undefined) this.polling = true;
    let pause: number | undefined;
    try {
      // The leases are taken from this moment (the store counts them from `now`).
      const at = leaseStamp(this.o.now);
      const runs = await this.o.store.claim({
        owner: this.o.workerId,
        flows: this.o.definitions.names,
        limit: runId === undefined ? room : 1,
        leaseMs: this.o.leaseMs,
        now: at.wall,
        ...(runId === undefined ? {} : { runId }),
      });
      this.claimFailures?.recovered();
      for (const run of runs) this.launch(run, false, at);
      if (runId === undefined) {
        this.backlog = runs.length === room;
        if (!this.backlog) this.backlogSince = undefined;
        else this.backlogSince ??= this.o.now();
        // A busy worker leaves the rest of a backlog to the others' next poll (or to its own, and
        // to the runs it finishes): the work spreads instead of one worker draining the queue.
        if (this.backlog && this.belowShare) this.schedulePoll(0);
      }
    } catch (err) {
      pause = this.claimFailures?.failed(err);
    } finally {
      if (runId === undefined) {
        this.polling = false;
        this.schedulePoll(pause ?? this.pollDelay());
      }
    }
  }

  /**
   * Executes a run this worker holds (`fresh`: just created here, so its journal and signals are
   * empty); its ending, or undefined when it already executes here. `at`: when its lease was asked
   * for (before the claim or the creation was sent).
   */
  launch(run: RunRecord, fresh: boolean, at: LeaseStamp): Promise<Ending> | undefined {
    if (this.executions.has(run.id)) return undefined;
    const lease = new RunLease(
      run.id,
      run.fencingToken,
      at,
      leaseValidMs(this.o.leaseMs, this.o.renewMs),
      this.o.now,
      (id) => this.expired.add(id),
    );
    this.leases.set(run.id, lease);
    const def = this.o.definitions.find(run.flow)!;
    const host = this.host!;
    const timer = this.timers.get(run.id);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.timers.delete(run.id);
    }
    const placeholder = { interrupt() {}, stop() {}, cancelRequested: false } as unknown as RunExecution;
    this.executions.set(run.id, placeholder);
    const go = async (): Promise<Ending> => {
      if (run.version !== def.version && !(def.options.compatibleWith ?? []).includes(run.version)) {
        return this.block(run, def);
      }
      const [journal, signals] = fresh
        ? [[], []]
        : await Promise.all([this.o.store.journal(run.id), this.o.store.signals(run.id)]);
      if (!this.active) return { status: "interrupted" }; // stopping: the run is released untouched
      const x = new RunExecution(host, def, run, journal, signals, lease);
      if (placeholder.cancelRequested) x.cancelRequested = true;
      this.executions.set(run.id, x);
      return x.stalled ? x.failStalled() : x.execute();
    };
    const ending = go()
      .then(
        (e) => {
          this.executionFailures?.recovered();
          return e;
        },
        (err: unknown): Ending => {
          this.executionFailures?.failed(err, { runId: run.id });
          return { status: "interrupted" };
        },
      )
      .then((e) => {
        this.executions.delete(run.id);
        this.endings.delete(run.id);
        if (this.leases.get(run.id) === lease) this.leases.delete(run.id);
        this.ended(run, e);
        return e;
      });
    this.endings.set(run.id, ending);
    this.o.waiters.track(run.id, ending);
    void ending.then(() => {
      if (this.backlog && this.belowShare) this.schedulePoll(0);
    });
    return ending;
  }

  private async block(run: RunRecord, def: FlowDef): Promise<Ending> {
    const error = {
      code: "TESSERA_CONFLICT" as const,
      message: `run ${run.id} started with version ${run.version} of flow ${def.name}; this code is version ${def.version} and does not declare it compatible`,
      details: { runVersion: run.version, codeVersion: def.version },
    };
    this.host?.logger.error("run blocked: incompatible flow version", {
      runId: run.id,
      flow: def.name,
      ...error.details,
    });
    await this.o.commit.write(run.id, [], { status: "blocked", error, release: true });
    return { status: "blocked", error };
  }

  private ended(run: RunRecord, ending: Ending): void {
    this.o.waiters.ended(run.id, ending);
    if (ending.status !== "sleeping" && ending.status !== "waiting") return;
    // Wake our own timers without waiting for the next poll (another worker may take it first: fine).
    const due = ending.dueAt;
    if (due === undefined || !this.active) return;
    const delay = Math.max(0, due - this.o.now());
    if (delay > 10 * 60_000) return;
    clearTimeout(this.timers.get(run.id));
    this.timers.set(
      run.id,
      setTimeout(() => {
        this.timers.delete(run.id);
        void this.poll(run.id);
      }, delay),
    );
  }

  /**
   * Renews the leases of the runs executing here, in one statement. First, the executions whose
   * lease may have expired meanwhile (this process was paused past its deadline: a freeze, a long GC,
   * a machine asleep; or the renewals failed) are interrupted: their effects in flight see their
   * signal aborted, none starts, nothing more is written (issue 19). A renewal only extends what it
   * renews: a failed one leaves the deadlines as they were.
   */
  private async renew(): Promise<void> {
    for (const [id, lease] of this.leases) {
      if (lease.held) continue;
      lease.expire();
      this.executions.get(id)?.interrupt();
    }
    const expired = [...this.expired];
    this.expired.clear();
    if (expired.length > 0)
      this.warnRuns("leases expired before their renewal: the runs are left to the next worker", expired);
    const held = [...this.leases.values()].filter((l) => !l.lost);
    if (held.length === 0) return;
    const at = leaseStamp(this.o.now);
    try {
      const r = await this.o.store.renew(
        this.o.workerId,
        held.map((l) => ({ id: l.runId, fencingToken: l.fencingToken })),
        this.o.leaseMs,
        at.wall,
      );
      this.renewFailures?.recovered();
      const lost = new Set(r.lost);
      for (const l of held) if (!lost.has(l.runId)) l.extend(at);
      // A run that ended while the renewal was on its way is no longer active: not lost, just done.
      const moved = r.lost.filter((id) => this.leases.has(id));
      for (const id of moved) {
        this.leases.get(id)?.lose("its lease was lost: the run moved to another worker");
        this.executions.get(id)?.interrupt();
      }
      if (moved.length > 0) this.warnRuns("leases lost: the runs move to another worker", moved);
      this.requestCancel(r.cancelled);
    } catch (err) {
      this.renewFailures?.failed(err, { runs: held.length });
    }
  }

  /** One line for many runs (the first ten named). */
  private warnRuns(msg: string, ids: readonly string[]): void {
    this.host?.logger.warn(msg, { runs: ids.length, runIds: ids.slice(0, 10) });
  }
}
