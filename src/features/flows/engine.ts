import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { TesseraError } from "../../core/errors.js";
import type { NodePlugin, TesseraNode } from "../../core/node.js";
import { validate } from "../../core/schema.js";
import { type FlowStore, type RunRecord, terminalStatuses } from "../../ports/flow-store.js";
import { flowStoreCheck } from "../../ports/store-readiness.js";
import { parseOptions } from "../definition-options.js";
import { checkBudget } from "./budget.js";
import type { CallInvoker } from "./call-effect.js";
import { CALLBACK_FLOW, callbackFlow, callbackStarter, type Delivery } from "./callback.js";
import { ClaimLoop } from "./claim-loop.js";
import { CronScheduler } from "./cron-scheduler.js";
import { type EgressPolicy, egressPolicy } from "./egress-policy.js";
import type { Ending } from "./end-run.js";
import type { FlowEngineOptions } from "./engine-options.js";
import type { FlowDef } from "./flow.js";
import { FlowDefinitions } from "./flow-definitions.js";
import { engineOptionsSchema } from "./flow-options-schema.js";
import { GroupCommit } from "./group-commit.js";
import { RunPruner } from "./retention.js";
import { newRunId } from "./run-id.js";
import { leaseStamp } from "./run-lease.js";
import { RunWaiters } from "./run-waiters.js";
import type { SignalDef } from "./signal.js";
import type { StartOptions } from "./start-options.js";

export type { FlowEngineOptions } from "./engine-options.js";
export type { StartOptions } from "./start-options.js";

/**
 * The durable flow engine of a worker: it starts runs, claims due ones from the store (with
 * leases, so that many workers share the work) and executes them. Its HTTP and bus face is
 * `flowsService(engine)`, composed by whoever hosts it.
 *
 * @example
 * const engine = createFlowEngine({ store: sqliteFlowStore({ database: new Database(".tesserae/flows.db") }), flows: [processText] });
 * // The engine is a plugin of the node: it starts and stops with it.
 * const node = createNode({ services: [text, flowsService(engine)], plugins: [engine], transport: memoryTransport() });
 * await node.start();
 */
export class FlowEngine implements NodePlugin {
  readonly name = "flows";
  readonly workerId: string;
  readonly store: FlowStore;
  readonly syncWaitMs: number;
  readonly now: () => number;
  private readonly defs: FlowDefinitions;
  private readonly waiters: RunWaiters;
  private readonly commit: GroupCommit;
  private readonly loop: ClaimLoop;
  private readonly cron: CronScheduler;
  /** Deletes finished runs past their retention, in the background (see retention.ts). */
  readonly pruner: RunPruner;
  /** The policy of a stage other than `dev` until the node's stage is known (at start). */
  private policy: EgressPolicy;

  constructor(private readonly options: FlowEngineOptions) {
    parseOptions("engine", engineOptionsSchema, options);
    this.store = options.store;
    checkBudget("flow engine", options.budget);
    this.workerId = options.workerId ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
    const leaseMs = options.leaseMs ?? 4000;
    const concurrency = options.concurrency ?? 100;
    const renewMs = options.renewMs ?? Math.max(10, Math.floor(leaseMs / 4));
    if (options.renewMs !== undefined && renewMs >= leaseMs)
      throw new TesseraError(
        "TESSERA_DEFINITION",
        `flow engine: renewMs (${renewMs}) must be shorter than leaseMs (${leaseMs}), or every lease expires before its renewal`,
      );
    this.syncWaitMs = options.syncWaitMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.policy = egressPolicy(options.egress ?? {}, "");
    // The internal flow that delivers callbacks, durably (hidden from `definitions` and `flow`).
    this.defs = new FlowDefinitions([...options.flows, callbackFlow(options.callbacks, () => this.policy)]);
    this.waiters = new RunWaiters(this.store, this.now);
    this.commit = new GroupCommit({
      store: this.store,
      owner: this.workerId,
      leaseMs,
      now: this.now,
      maxInFlight: options.commitConcurrency ?? 1,
      maxBatch: 1000,
      onCancelled: (ids) => this.loop.requestCancel(ids),
      lease: (runId) => this.loop.lease(runId),
    });
    this.loop = new ClaimLoop({
      store: this.store,
      workerId: this.workerId,
      concurrency,
      leaseMs,
      renewMs,
      pollMs: options.pollMs ?? 500,
      claimBatch: options.claimBatch ?? Math.max(1, Math.ceil(concurrency / 10)),
      now: this.now,
      definitions: this.defs,
      commit: this.commit,
      waiters: this.waiters,
    });
    this.cron = new CronScheduler(options.flows, this.now, (f, input, key) =>
      this.startRun(f, input as never, { idempotencyKey: key }).then(() => undefined),
    );
    this.pruner = new RunPruner({ ...options, store: this.store, now: this.now, flows: () => this.defs.all });
  }

  /**
   * The egress policy of the outbound calls users configure (run callbacks, declared flows' HTTP
   * services): the engine's `egress` settings in the stage of its node.
   */
  get egress(): EgressPolicy {
    return this.policy;
  }

  /**
   * Refuses a callback URL that the egress policy refuses (`TESSERA_VALIDATION` naming
   * `callbackUrl`), so that the starter learns it at once; the delivery checks it again, on the
   * addresses its name resolves to then.
   */
  checkCallbackUrl(url: string): void {
    const why = this.policy.refusal(url);
    if (why === undefined) return;
    const message = `refused by the egress policy: ${why}`;
    throw new TesseraError("TESSERA_VALIDATION", `invalid callbackUrl: ${message}`, {
      details: { issues: [{ path: "callbackUrl", message }] },
    });
  }

  /** The flows this engine runs. */
  get definitions(): readonly FlowDef[] {
    return this.defs.all.filter((f) => f.name !== CALLBACK_FLOW);
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
    this.defs.define(def);
    this.loop.wake();
  }

  /** The flow of that name, or `TESSERA_NOT_FOUND`. */
  flow(name: string): FlowDef {
    if (name === CALLBACK_FLOW) throw TesseraError.notFound(`no flow "${name}"`);
    return this.defs.get(name);
  }

  /** Runs the migrations, takes back this worker's own runs and starts claiming and scheduling (the node calls it when the engine is one of its plugins). */
  async start(node: TesseraNode): Promise<void> {
    if (this.loop.running) return;
    this.policy = egressPolicy(this.options.egress ?? {}, node.stage);
    const invoker: CallInvoker = (ref, input, meta, options) => node.invoke(ref, input, meta, options);
    const logger = (this.options.logger ?? node.logger).child({ component: "flows", worker: this.workerId });
    await this.store.migrate();
    // Runs this worker id held were left by an incarnation that did not stop: each is a takeover.
    const taken = await this.store.releaseAll(this.workerId, this.now(), true);
    if (taken > 0) logger.info("runs of a previous incarnation released", { runs: taken });
    this.loop.start({
      logger,
      commit: this.commit,
      invoker,
      inlineSleepMs: this.options.inlineSleepMs ?? 1000,
      budget: this.options.budget,
      now: this.now,
      notify: callbackStarter((input) => this.deliver(input)),
    });
    this.cron.start();
    this.pruner.start(logger);
    logger.info("flow engine started", { flows: this.defs.names, store: this.store.kind });
  }

  /** `/ready` pings the flow store. */
  readinessChecks = () => [flowStoreCheck(this.store)];

  /**
   * Stops claiming; the executions finish their effect in flight (up to `stopGraceMs`) and write
   * what they know; then their runs are released, due at once, for the next worker (no lease wait).
   */
  async stop(): Promise<void> {
    if (!this.loop.running) return;
    this.cron.stop();
    await this.pruner.stop();
    await this.loop.stop(this.options.stopGraceMs ?? 5000);
    await this.commit.drain();
    await this.store.releaseAll(this.workerId, this.now());
    this.loop.forget();
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
    const f = this.defs.get(def.name);
    if (options.callbackUrl !== undefined) this.checkCallbackUrl(options.callbackUrl);
    const schema = f.options.input;
    const value = schema === undefined ? input : await validate(schema, input, `input of flow ${f.name}`);
    const owned = this.loop.reserve();
    // A run created held is leased from its commit, after this moment.
    const at = leaseStamp(this.now);
    const { run, created } = await this.commit
      .create({
        id: newRunId(),
        flow: f.name,
        version: f.version,
        input: value,
        idempotencyKey: options.idempotencyKey,
        callbackUrl: options.callbackUrl,
        owner: owned ? this.workerId : undefined,
        origin: options.origin,
      })
      .finally(() => {
        if (owned) this.loop.unreserve();
      });
    let ending: Promise<Ending> | undefined;
    if (created && owned) ending = this.loop.launch(run, true, at);
    else if (created) this.loop.queued();
    return { run, created, ending: ending ?? this.waiters.local(run.id) };
  }

  /** Starts the run that delivers a run's end to its callback URL (see callback.ts). */
  private async deliver(input: Delivery): Promise<RunRecord> {
    return (await this.begin(this.defs.get(CALLBACK_FLOW), input as never, {})).run;
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
  settled(runId: string, waitMs = this.syncWaitMs): Promise<Pick<RunRecord, "status" | "output" | "error">> {
    return this.waiters.settled(runId, waitMs);
  }

  /** Resolves when the run ends, or after `waitMs` with what the store says then. */
  awaitRun(runId: string, waitMs = this.syncWaitMs): Promise<RunRecord> {
    return this.waiters.awaitRun(runId, waitMs);
  }

  /**
   * Delivers a signal to a run; its payload is validated when one of the engine's flows declares it.
   * A run that has ended takes none (409); a run refuses a name its flow does not declare (its
   * `signals`, or `signalsOf` for a declared flow: its version's waits) with 404 and `details.accepts`
   * — a typo must not look like a delivery.
   */
  async signal(runId: string, sig: SignalDef | string, payload: unknown): Promise<RunRecord> {
    const name = typeof sig === "string" ? sig : sig.name;
    const run = await this.store.getRun(runId);
    if (run === undefined) throw TesseraError.notFound(`no run ${runId}`);
    if (terminalStatuses.has(run.status))
      throw TesseraError.conflict(`run ${runId} is ${run.status}: it takes no more signals`, {
        status: run.status,
      });
    const def = this.defs.find(run.flow);
    const accepts = def?.signalsOf === undefined ? def?.options.signals : await def.signalsOf(run);
    const declared = accepts?.find((s) => s.name === name);
    if (def !== undefined && declared === undefined)
      throw TesseraError.notFound(`run ${runId} does not wait for signal "${name}"`, {
        signal: name,
        accepts: [...new Set((accepts ?? []).map((s) => s.name))],
      });
    const schema = typeof sig === "string" ? declared?.schema : sig.schema;
    const value =
      schema === undefined ? payload : await validate(schema, payload, `payload of signal ${name}`);
    if (!(await this.store.sendSignal(runId, name, value, this.now()))) {
      throw TesseraError.conflict(`run ${runId} is ${run.status}: it takes no more signals`);
    }
    this.loop.wake();
    return run;
  }

  /** Delivers a bus event to the runs waiting for it. */
  async deliverEvent(eventName: string, payload: unknown): Promise<number> {
    const n = await this.store.signalWaiting(`event:${eventName}`, payload, this.now());
    if (n > 0) this.loop.wake();
    return n;
  }

  /** Asks a run to stop: it compensates its completed steps, then ends `cancelled`. */
  async cancel(runId: string): Promise<RunRecord> {
    const run = await this.store.requestCancel(runId, this.now());
    if (run === undefined) throw TesseraError.notFound(`no run ${runId}`);
    this.loop.requestCancel([runId]);
    this.loop.wake();
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
    // Pruned in between (retention): gone, as if it never ended.
    if (run === undefined) throw TesseraError.notFound(`no run ${runId}`);
    this.loop.wake();
    return run;
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
