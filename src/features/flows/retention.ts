import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Logger } from "../../core/logger.js";
import type { FlowStore } from "../../ports/flow-store.js";
import type { PruneQuery } from "../../ports/run-retention.js";
import { toMs } from "./duration.js";
import type { FlowDef } from "./flow.js";
import type { EngineRetention } from "./retention-option.js";

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
  /** Work may be left: the pass stopped at its bound (or was stopped). */
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
      if (n > 0) flows[p.flow] = (flows[p.flow] ?? 0) + n;
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
      if (n > 0) flows[p.flow] = (flows[p.flow] ?? 0) + n;
      deleted += n;
      if (n === q.limit) next.push(p);
      await yieldToLoop();
    }
    pending = next;
  }
  return { deleted, flows, more: pending.length > 0 };
}

/** What a prune by hand deletes (see {@link RunPruner.byHand}). */
export interface ManualPrune {
  readonly flow?: string | undefined;
  readonly olderThanMs?: number | undefined;
  readonly keep?: number | undefined;
  readonly dryRun?: boolean | undefined;
  readonly limit?: number | undefined;
}

export interface RunPrunerOptions extends EngineRetention {
  readonly store: FlowStore;
  readonly now: () => number;
  /** The flows whose runs are pruned (the engine's, declared flows and callbacks included). */
  readonly flows: () => readonly FlowDef[];
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
  private started = false;
  /** A stop was asked: the pass in progress ends after its batch. */
  private halted = false;
  private failures = 0;
  private logger: Logger | undefined;

  constructor(private readonly options: RunPrunerOptions) {}

  get everyMs(): number {
    return this.options.pruneEveryMs ?? DEFAULT_PRUNE_EVERY_MS;
  }

  start(logger: Logger): void {
    if (this.started || this.everyMs === 0) return;
    this.started = true;
    this.halted = false;
    this.logger = logger;
    this.schedule(this.everyMs);
  }

  /** Stops the passes; resolves once the one in progress (if any) is over (it stops after its batch). */
  async stop(): Promise<void> {
    this.started = false;
    this.halted = true;
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

  /**
   * A prune by hand (`POST /flows/prune`, `tesserae flows prune`): the runs of `flow` (else of every
   * flow of the engine), past `olderThanMs` and beyond the newest `keep` when either is given (the
   * flows' own retention aside, `false` included), else past each flow's retention; at most `limit`
   * runs (default {@link PRUNE_PER_PASS}): `more` says to call again. A flow this engine does not
   * run (a removed one) takes the engine's retention.
   */
  byHand(q: ManualPrune = {}): Promise<PruneReport> {
    const now = this.options.now();
    const explicit = q.olderThanMs !== undefined || q.keep !== undefined;
    const defs = this.options.flows();
    const names = q.flow === undefined ? defs.map((d) => d.name) : [q.flow];
    const plans: PrunePlan[] = [];
    for (const name of names) {
      const def = defs.find((d) => d.name === name);
      const bounds = explicit
        ? { maxAgeMs: q.olderThanMs, maxRuns: q.keep }
        : def === undefined
          ? {
              maxAgeMs: this.options.retentionMs ?? DEFAULT_RETENTION_MS,
              maxRuns: this.options.retentionRuns,
            }
          : retentionOf(def, this.options);
      const plan = planOf(name, bounds, now);
      if (plan !== undefined) plans.push(plan);
    }
    return prunePlans(this.options.store, plans, {
      batch: this.options.batch ?? PRUNE_BATCH,
      max: q.limit ?? PRUNE_PER_PASS,
      dryRun: q.dryRun === true,
    });
  }

  /** One pass now (what the timer runs, `stop` saying when the engine stops). */
  runPass(stop?: () => boolean): Promise<PruneReport> {
    return prunePlans(this.options.store, this.plans(this.options.now()), {
      batch: this.options.batch ?? PRUNE_BATCH,
      max: this.options.perPass ?? PRUNE_PER_PASS,
      ...(stop === undefined ? {} : { stop }),
    });
  }

  private schedule(ms: number): void {
    if (!this.started) return;
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
      const report = await this.runPass(() => this.halted);
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
