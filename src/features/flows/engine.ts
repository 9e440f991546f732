import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { NodePlugin, TesseraNode } from "../../core/node.js";
import { validate } from "../../core/schema.js";
import type { ServiceDef } from "../../core/service.js";
import { type FlowStore, type RunRecord, terminalStatuses } from "../../ports/flow-store.js";
import type { CallInvoker } from "./call-effect.js";
import { postCallback } from "./callback.js";
import { CronScheduler } from "./cron-scheduler.js";
import { type Ending, type ExecutionHost, RunExecution } from "./execution.js";
import type { FlowDef } from "./flow.js";
import { flowsService } from "./flows-service.js";
import { GroupCommit } from "./group-commit.js";
import { newRunId } from "./run-id.js";
import type { SignalDef } from "./signal.js";

export interface FlowEngineOptions {
  readonly store: FlowStore;
  readonly flows: readonly FlowDef[];
  /**
   * This worker's id, the owner of its leases. Give a stable one (e.g. per host and slot) so that a
   * restarted worker takes its runs back at once instead of waiting for their leases to expire.
   * Default: the host name and a random suffix.
   */
  readonly workerId?: string;
  /** Runs executing at once on this worker (default 100). */
  readonly concurrency?: number;
  /** How long a worker holds a run without renewing (default 30 000 ms). A dead worker's runs move after it. */
  readonly leaseMs?: number;
  /** How often the worker looks for due runs (default 1000 ms). */
  readonly pollMs?: number;
  /** Sleeps up to this long stay in memory (default 1000 ms); longer ones suspend the run in the store. */
  readonly inlineSleepMs?: number;
  /** Batches committing at once (default 1; 2 overlaps round trips on a remote database). */
  readonly commitConcurrency?: number;
  /** How long a synchronous start waits for the end of the run (default 10 000 ms). */
  readonly syncWaitMs?: number;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Close the store when the engine stops (default false: whoever made the store closes it). */
  readonly closeStore?: boolean;
}

export interface StartOptions {
  /** The same key for the same flow gives back the same run. */
  readonly idempotencyKey?: string;
  /** POSTed `{runId, flow, status, output, error}` when the run ends. */
  readonly callbackUrl?: string;
}

type Waiter = (ending: Ending) => void;

/**
 * The durable flow engine of a worker: it starts runs, claims due ones from the store (with
 * leases, so that many workers share the work), executes them and serves the `flows` service.
 *
 * @example
 * const engine = createFlowEngine({ store: sqliteFlowStore({ database: new Database(".tesserae/flows.db") }), flows: [processText] });
 * // The engine is a plugin of the node: it starts and stops with it.
 * const node = createNode({ services: [text, engine.service], plugins: [engine], transport: memoryTransport() });
 * await node.start();
 */
export class FlowEngine implements NodePlugin {
  readonly name = "flows";
  readonly workerId: string;
  readonly store: FlowStore;
  /** The HTTP and bus face of the engine: give it to `createNode`. */
  readonly service: ServiceDef;
  readonly syncWaitMs: number;
  private readonly flows = new Map<string, FlowDef>();
  /** Names of the flows added with `define` (they may be replaced; the ones given in code may not). */
  private readonly declared = new Set<string>();
  private readonly executions = new Map<string, RunExecution>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** The endings of the executions running here, for starters that wait in this process. */
  private readonly endings = new Map<string, Promise<Ending>>();
  /** True when the store may hold due runs beyond what the last claim took. */
  private backlog = true;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly commit: GroupCommit;
  private readonly cron: CronScheduler;
  private host: ExecutionHost | undefined;
  private logger: Logger | undefined;
  private poller: NodeJS.Timeout | undefined;
  private renewer: NodeJS.Timeout | undefined;
  private pollScheduled = false;
  private polling = false;
  private running = false;
  readonly now: () => number;

  constructor(private readonly options: FlowEngineOptions) {
    this.store = options.store;
    this.workerId = options.workerId ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
    this.concurrency = options.concurrency ?? 100;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 1000;
    this.syncWaitMs = options.syncWaitMs ?? 10_000;
    this.now = options.now ?? Date.now;
    for (const f of options.flows) {
      if (this.flows.has(f.name))
        throw new TesseraError("TESSERA_DEFINITION", `flow "${f.name}" is given twice`);
      this.flows.set(f.name, f);
    }
    this.commit = new GroupCommit({
      store: this.store,
      owner: this.workerId,
      leaseMs: this.leaseMs,
      now: this.now,
      maxInFlight: options.commitConcurrency ?? 1,
      maxBatch: 1000,
      onCancelled: (ids) => {
        for (const id of ids) {
          const x = this.executions.get(id);
          if (x !== undefined) x.cancelRequested = true;
        }
      },
    });
    this.cron = new CronScheduler(options.flows, this.now, (f, input, key) =>
      this.startRun(f, input as never, { idempotencyKey: key }).then(() => undefined),
    );
    this.service = flowsService(this);
  }

  /** The flows this engine runs. */
  get definitions(): readonly FlowDef[] {
    return [...this.flows.values()];
  }

  /**
   * Adds a flow while the engine runs, or replaces the one of that name (declared flows, whose
   * definitions arrive through an API). Executions already running keep the code they started
   * with; due runs of the flow are claimed at once.
   *
   * @example
   * engine.define(flow("late", {}, async (ctx) => ctx.now()));
   */
  define(def: FlowDef): void {
    const prev = this.flows.get(def.name);
    if (prev !== undefined && !this.declared.has(def.name))
      throw new TesseraError(
        "TESSERA_DEFINITION",
        `flow "${def.name}" is defined in code: it cannot be replaced`,
      );
    this.declared.add(def.name);
    this.flows.set(def.name, def);
    this.wake();
  }

  /** The flow of that name, or `TESSERA_NOT_FOUND`. */
  flow(name: string): FlowDef {
    const f = this.flows.get(name);
    if (f === undefined) throw TesseraError.notFound(`no flow "${name}"`);
    return f;
  }

  /** Runs the migrations, takes back this worker's own runs and starts claiming and scheduling (the node calls it when the engine is one of its plugins). */
  async start(node: TesseraNode): Promise<void> {
    if (this.running) return;
    const invoker: CallInvoker = (ref, input, meta, options) => node.invoke(ref, input, meta, options);
    this.logger = (this.options.logger ?? node.logger).child({ component: "flows", worker: this.workerId });
    this.host = {
      logger: this.logger,
      commit: this.commit,
      invoker,
      inlineSleepMs: this.options.inlineSleepMs ?? 1000,
      now: this.now,
      notify: postCallback,
    };
    await this.store.migrate();
    const taken = await this.store.releaseAll(this.workerId, this.now());
    if (taken > 0) this.logger.info("runs of a previous incarnation released", { runs: taken });
    this.running = true;
    this.renewer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.wake();
    this.cron.start();
    this.logger.info("flow engine started", { flows: [...this.flows.keys()], store: this.store.kind });
  }

  /** Stops claiming, interrupts the executions (their runs are released for the next worker), drains the writes. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cron.stop();
    clearTimeout(this.poller);
    clearInterval(this.renewer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const x of this.executions.values()) x.interrupt();
    await this.commit.drain();
    await this.store.releaseAll(this.workerId, this.now());
    this.executions.clear();
    if (this.options.closeStore) await this.store.close();
  }

  /**
   * Starts a run: validates the input (a failure creates no run), creates it durably and, when this
   * worker has room, executes it at once.
   */
  async startRun<In, Out>(
    def: FlowDef<string, In, Out>,
    input: In,
    options: StartOptions = {},
  ): Promise<{ run: RunRecord; created: boolean }> {
    const { run, created } = await this.begin(def, input, options);
    return { run, created };
  }

  private async begin<In, Out>(
    def: FlowDef<string, In, Out>,
    input: In,
    options: StartOptions,
  ): Promise<{ run: RunRecord; created: boolean; ending: Promise<Ending> | undefined }> {
    const f = this.flow(def.name) as FlowDef;
    const schema = f.options.input;
    const value = schema === undefined ? input : await validate(schema, input, `input of flow ${f.name}`);
    const owned = this.running && this.executions.size < this.concurrency;
    const { run, created } = await this.commit.create({
      id: newRunId(),
      flow: f.name,
      version: f.version,
      input: value,
      idempotencyKey: options.idempotencyKey,
      callbackUrl: options.callbackUrl,
      owner: owned ? this.workerId : undefined,
    });
    let ending: Promise<Ending> | undefined;
    if (created && owned) ending = this.launch(run, true);
    else if (created) this.wake();
    return { run, created, ending: ending ?? this.endings.get(run.id) };
  }

  /** Starts a run and waits for its end; resolves with the output, rejects with the run's error. */
  async execute<In, Out>(def: FlowDef<string, In, Out>, input: In, options: StartOptions = {}): Promise<Out> {
    const { run, ending } = await this.begin(def, input, options);
    const local = await ending;
    const end =
      local !== undefined && local.status !== "interrupted" && terminalStatuses.has(local.status)
        ? local
        : await this.awaitRun(run.id, Number.POSITIVE_INFINITY);
    if (end.status === "completed") return end.output as Out;
    throw TesseraError.fromBody(
      end.error ?? { code: "TESSERA_INTERNAL", message: `run ended ${end.status}` },
    );
  }

  /**
   * How the run ended, from the execution in this process when there is one (no read of the store),
   * else as {@link awaitRun} finds it.
   */
  async settled(
    runId: string,
    waitMs = this.syncWaitMs,
  ): Promise<Pick<RunRecord, "status" | "output" | "error">> {
    const local = this.endings.get(runId);
    if (local !== undefined) {
      const e = await local;
      if (e.status !== "interrupted" && terminalStatuses.has(e.status))
        return e as Pick<RunRecord, "status" | "output" | "error">;
    }
    return this.awaitRun(runId, waitMs);
  }

  /** Resolves when the run ends, or after `waitMs` with what the store says then. */
  async awaitRun(runId: string, waitMs = this.syncWaitMs): Promise<RunRecord> {
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
        if (e.status !== "interrupted" && terminalStatuses.has(e.status))
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

  /** Delivers a signal to a run; its payload is validated when one of the engine's flows declares it. */
  async signal(runId: string, sig: SignalDef | string, payload: unknown): Promise<RunRecord> {
    const name = typeof sig === "string" ? sig : sig.name;
    const run = await this.store.getRun(runId);
    if (run === undefined) throw TesseraError.notFound(`no run ${runId}`);
    const declared = this.flows.get(run.flow)?.options.signals?.find((s) => s.name === name);
    const schema = typeof sig === "string" ? declared?.schema : sig.schema;
    const value =
      schema === undefined ? payload : await validate(schema, payload, `payload of signal ${name}`);
    if (!(await this.store.sendSignal(runId, name, value, this.now()))) {
      throw TesseraError.conflict(`run ${runId} is ${run.status}: it takes no more signals`);
    }
    this.wake();
    return run;
  }

  /** Delivers a bus event to the runs waiting for it. */
  async deliverEvent(eventName: string, payload: unknown): Promise<number> {
    const n = await this.store.signalWaiting(`event:${eventName}`, payload, this.now());
    if (n > 0) this.wake();
    return n;
  }

  /** Asks a run to stop: it compensates its completed steps, then ends `cancelled`. */
  async cancel(runId: string): Promise<RunRecord> {
    const run = await this.store.requestCancel(runId, this.now());
    if (run === undefined) throw TesseraError.notFound(`no run ${runId}`);
    const x = this.executions.get(runId);
    if (x !== undefined) x.cancelRequested = true;
    this.wake();
    return run;
  }

  /** Runs a failed, cancelled, compensated or blocked run again with the current code. */
  async retry(runId: string): Promise<RunRecord> {
    const existing = await this.store.getRun(runId);
    if (existing === undefined) throw TesseraError.notFound(`no run ${runId}`);
    if (!terminalStatuses.has(existing.status) && existing.status !== "blocked") {
      throw TesseraError.conflict(
        `run ${runId} is ${existing.status}: only an ended or blocked run can be retried`,
      );
    }
    if (existing.status === "completed")
      throw TesseraError.conflict(`run ${runId} completed: nothing to retry`);
    const run = await this.store.retry(runId, this.flow(existing.flow).version, this.now());
    this.wake();
    return run!;
  }

  // --- claiming and executing ---------------------------------------------------------------------

  /** Something became due in the store: claim at once. */
  private wake(): void {
    this.backlog = true;
    this.schedulePoll(0);
  }

  private schedulePoll(delay: number): void {
    if (!this.running) return;
    if (delay === 0) {
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
    if (!this.running || (this.polling && runId === undefined)) return;
    const room = this.concurrency - this.executions.size;
    if (room <= 0) {
      if (runId === undefined) this.schedulePoll(this.pollMs);
      return;
    }
    if (runId === undefined) this.polling = true;
    try {
      const runs = await this.store.claim({
        owner: this.workerId,
        flows: [...this.flows.keys()],
        limit: runId === undefined ? room : 1,
        leaseMs: this.leaseMs,
        now: this.now(),
        ...(runId === undefined ? {} : { runId }),
      });
      for (const run of runs) this.launch(run, false);
      if (runId === undefined) {
        this.backlog = runs.length === room;
        if (this.backlog) this.schedulePoll(0);
      }
    } catch (err) {
      this.logger?.error("claiming runs failed", { err });
    } finally {
      if (runId === undefined) {
        this.polling = false;
        this.schedulePoll(this.pollMs);
      }
    }
  }

  private launch(run: RunRecord, fresh: boolean): Promise<Ending> | undefined {
    if (this.executions.has(run.id)) return undefined;
    const def = this.flows.get(run.flow)!;
    const host = this.host!;
    const timer = this.timers.get(run.id);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.timers.delete(run.id);
    }
    const placeholder = { interrupt() {}, cancelRequested: false } as unknown as RunExecution;
    this.executions.set(run.id, placeholder);
    const go = async (): Promise<Ending> => {
      if (run.version !== def.version && !(def.options.compatibleWith ?? []).includes(run.version)) {
        return this.block(run, def);
      }
      const [journal, signals] = fresh
        ? [[], []]
        : await Promise.all([this.store.journal(run.id), this.store.signals(run.id)]);
      const x = new RunExecution(host, def, run, journal, signals);
      if (placeholder.cancelRequested) x.cancelRequested = true;
      this.executions.set(run.id, x);
      return x.execute();
    };
    const ending = go()
      .catch((err: unknown): Ending => {
        this.logger?.error("run execution failed", { runId: run.id, err });
        return { status: "interrupted" };
      })
      .then((e) => {
        this.executions.delete(run.id);
        this.ended(run, e);
        return e;
      });
    this.endings.set(run.id, ending);
    void ending.then(() => {
      this.endings.delete(run.id);
      if (this.backlog && this.executions.size < this.concurrency) this.schedulePoll(0);
    });
    return ending;
  }

  private async block(run: RunRecord, def: FlowDef): Promise<Ending> {
    const error = {
      code: "TESSERA_CONFLICT" as const,
      message: `run ${run.id} started with version ${run.version} of flow ${def.name}; this code is version ${def.version} and does not declare it compatible`,
      details: { runVersion: run.version, codeVersion: def.version },
    };
    this.logger?.error("run blocked: incompatible flow version", {
      runId: run.id,
      flow: def.name,
      ...error.details,
    });
    await this.commit.write(run.id, [], { status: "blocked", error, release: true });
    return { status: "blocked", error };
  }

  private ended(run: RunRecord, ending: Ending): void {
    for (const w of this.waiters.get(run.id) ?? []) w(ending);
    if (ending.status !== "sleeping" && ending.status !== "waiting") return;
    // Wake our own timers without waiting for the next poll (another worker may take it first: fine).
    const due = ending.dueAt;
    if (due === undefined || !this.running) return;
    const delay = Math.max(0, due - this.now());
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

  private async renew(): Promise<void> {
    const ids = [...this.executions.keys()];
    if (ids.length === 0 || !this.running) return;
    try {
      const r = await this.store.renew(this.workerId, ids, this.leaseMs, this.now());
      for (const id of r.lost) {
        this.logger?.warn("lease lost: the run moves to another worker", { runId: id });
        this.executions.get(id)?.interrupt();
      }
      for (const id of r.cancelled) {
        const x = this.executions.get(id);
        if (x !== undefined) x.cancelRequested = true;
      }
    } catch (err) {
      this.logger?.error("renewing leases failed", { err });
    }
  }
}

/**
 * Creates a flow engine.
 *
 * @example
 * const engine = createFlowEngine({ store: memoryFlowStore(), flows: [processText], leaseMs: 10_000 });
 */
export function createFlowEngine(options: FlowEngineOptions): FlowEngine {
  return new FlowEngine(options);
}
