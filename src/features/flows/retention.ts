import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Logger } from "../../core/logger.js";
import type { FlowStore } from "../../ports/flow-store.js";
import type { PruneQuery } from "../../ports/run-retention.js";
import { type Duration, toMs } from "./duration.js";
import type { FlowDef } from "./flow.js";

/**
 * How long a flow's finished runs are kept (`flow(name, { retention })`): `maxAge` after their end,
 * and at most `maxRuns` of them (the oldest go first); either bound suffices. `false`: kept until
 * pruned by hand. Unset fields take the engine's (`retentionMs`, `retentionRuns`).
 */
export type FlowRetention =
  | false
  | {
      readonly maxAge?: Duration;
      readonly maxRuns?: number;
    };

/**
 * Finished runs are kept 7 days by default: as long as JetStream keeps an event (its default
 * `maxAgeMs`), so that an event redelivered or a dead letter replayed still finds the run it
 * started (its idempotency key `event:<requestId>` lives with the run); and a week for an operator
 * to read or retry a failed run (a weekend included).
 */
export const DEFAULT_RETENTION_MS = 7 * 86_400_000;
/** The background pruner's pace by default: a pass a minute (jittered, so that nodes spread). */
export const DEFAULT_PRUNE_EVERY_MS = 60_000;
/** Runs deleted per transaction: short enough not to hold the store from the runs' commits. */
export const PRUNE_BATCH = 500;
/** Runs deleted per pass at most; past it the next pass comes within a second. */
export const PRUNE_PER_PASS = 10_000;

/** The bounds that apply to a flow's finished runs. */
export interface RetentionBounds {
  readonly maxAgeMs?: number | undefined;
  readonly maxRuns?: number | undefined;
}

/** The engine-wide retention (`createFlowEngine` / `flowEngine` in the project file). */
export interface EngineRetention {
  /** Finished runs are kept this long after they end (default 7 days). */
  readonly retentionMs?: number | undefined;
  /** At most this many finished runs per flow (default: no count bound). */
  readonly retentionRuns?: number | undefined;
}

/** The bounds of a flow: its own, each unset one from the engine; undefined when kept for ever. */
export function retentionOf(def: FlowDef, engine: EngineRetention): RetentionBounds | undefined {
  const own = def.options.retention;
  if (own === false) return undefined;
  return {
    maxAgeMs: own?.maxAge === undefined ? (engine.retentionMs ?? DEFAULT_RETENTION_MS) : toMs(own.maxAge),
    maxRuns: own?.maxRuns ?? engine.retentionRuns,
  };
}

/** What one pass (or one prune by hand) did: runs deleted (or that would be) per flow. */
export interface PruneReport {
  readonly deleted: number;
  readonly flows: Readonly<Record<string, number>>;
  /** Work is left: the pass stopped at its bound. */
  readonly more: boolean;
}

/** One flow's prune, each call of it deleting up to a batch. */
export interface PrunePlan {
  readonly flow: string;
  readonly endedBefore?: number | undefined;
  readonly keepLast?: number | undefined;
}

/** The plan of a flow's bounds at `now` (undefined: nothing to prune). */
export function planOf(
  flow: string,
  bounds: RetentionBounds | undefined,
  now: number,
): PrunePlan | undefined {
  if (bounds === undefined || (bounds.maxAgeMs === undefined && bounds.maxRuns === undefined))
    return undefined;
  return {
    flow,
    endedBefore: bounds.maxAgeMs === undefined ? undefined : now - bounds.maxAgeMs,
    keepLast: bounds.maxRuns,
  };
}

/**
 * Runs the plans in batches of `batch`, one flow after the other (a flow with a backlog does not
 * starve the others), yielding to the event loop between transactions, until no flow has more or
 * `max` runs went. A dry run counts each flow once.
 */
export async function prunePlans(
  store: FlowStore,
  plans: readonly PrunePlan[],
  options: {
    readonly batch: number;
    readonly max: number;
    readonly dryRun?: boolean;
    readonly stop?: () => boolean;
  },
): Promise<PruneReport> {
  const flows: Record<string, number> = {};
  let deleted = 0;
  if (options.dryRun === true) {
    for (const p of plans) {
      const n = await store.prune({ ...p, limit: options.batch, dryRun: true });
      flows[p.flow] = (flows[p.flow] ?? 0) + n;
      deleted += n;
    }
    return { deleted, flows, more: false };
  }
  let pending = [...plans];
  while (pending.length > 0 && deleted < options.max && options.stop?.() !== true) {
    const next: PrunePlan[] = [];
    for (const [i, p] of pending.entries()) {
      if (deleted >= options.max || options.stop?.() === true) {
        next.push(...pending.slice(i));
        break;
      }
      const q: PruneQuery = { ...p, limit: Math.min(options.batch, options.max - deleted) };
      const n = await store.prune(q);
      flows[p.flow] = (flows[p.flow] ?? 0) + n;
      deleted += n;
      if (n === q.limit) next.push(p);
      await yieldToLoop();
    }
    pending = next;
  }
  return { deleted, flows, more: pending.length > 0 };
}

export interface RunPrunerOptions extends EngineRetention {
  readonly store: FlowStore;
  readonly now: () => number;
  /** The flows whose runs are pruned (the engine's, declared flows and callbacks included). */
  readonly flows: () => readonly FlowDef[];
  /** Pace of the passes (default 60 000 ms; 0: no background pruning, only by hand). */
  readonly everyMs?: number | undefined;
  readonly batch?: number;
  readonly perPass?: number;
}

/**
 * The background pruner of an engine: every `everyMs` (jittered) a pass deletes the finished runs
 * past their flow's retention, in transactions of {@link PRUNE_BATCH} runs, at most
 * {@link PRUNE_PER_PASS} a pass (a backlog is worked off a pass a second). It never waits on the
 * engine nor the engine on it. Many nodes may prune one store: the stores delete only finished
 * runs that nobody holds, each batch atomically. A failing store is logged once, then retried with
 * a growing pause (up to 10 minutes) until it answers again.
 */
export class RunPruner {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> | undefined;
  private stopping = true;
  private failures = 0;
  private logger: Logger | undefined;

  constructor(private readonly options: RunPrunerOptions) {}

  get everyMs(): number {
    return this.options.everyMs ?? DEFAULT_PRUNE_EVERY_MS;
  }

  start(logger: Logger): void {
    if (!this.stopping || this.everyMs === 0) return;
    this.stopping = false;
    this.logger = logger;
    this.schedule(this.everyMs);
  }

  /** Stops the passes; resolves once the one in progress (if any) is over (it stops after its batch). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** The plans of every flow at `now`, per its retention (flows kept for ever have none). */
  plans(now: number): PrunePlan[] {
    const out: PrunePlan[] = [];
    for (const def of this.options.flows()) {
      const plan = planOf(def.name, retentionOf(def, this.options), now);
      if (plan !== undefined) out.push(plan);
    }
    return out;
  }

  /** One pass now (what the timer runs). */
  runPass(): Promise<PruneReport> {
    return prunePlans(this.options.store, this.plans(this.options.now()), {
      batch: this.options.batch ?? PRUNE_BATCH,
      max: this.options.perPass ?? PRUNE_PER_PASS,
      stop: () => this.stopping,
    });
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    const jittered = Math.round(ms * (0.75 + Math.random() * 0.5));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pass = this.tick();
    }, jittered);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let next = this.everyMs;
    try {
      const report = await this.runPass();
      if (this.failures > 0) this.logger?.info("pruning finished runs again", { failures: this.failures });
      this.failures = 0;
      if (report.deleted > 0) this.logger?.debug("finished runs pruned", { ...report });
      if (report.more) next = Math.min(next, 1000);
    } catch (err) {
      this.failures++;
      if (this.failures === 1)
        this.logger?.warn("pruning finished runs failed: retrying with a growing pause", { err });
      next = Math.min(next * 2 ** Math.min(this.failures, 10), 600_000);
    }
    this.schedule(next);
  }
}
