import { TesseraError } from "../core/errors.js";

/**
 * Which finished runs of one flow a prune deletes, with their journals and signals (issue 19).
 * Finished: `completed`, `failed`, `compensated` or `cancelled`, and held by no worker. A run that
 * is queued, running, sleeping, waiting, compensating or blocked is never deleted, whatever its age.
 * A run goes when it ended before `endedBefore` or is older than the `keepLast` newest finished
 * runs of the flow (either bound suffices); with neither, nothing goes.
 */
export interface PruneQuery {
  readonly flow: string;
  /** Finished runs whose last write (their end) is before this epoch ms go. */
  readonly endedBefore?: number | undefined;
  /** The newest `keepLast` finished runs of the flow stay; the older ones go (0: none stays). */
  readonly keepLast?: number | undefined;
  /** At most this many runs go in this call: one short transaction. */
  readonly limit: number;
  /** Counts the runs that would go (all of them, `limit` aside) and deletes nothing. */
  readonly dryRun?: boolean | undefined;
}

/**
 * The statuses of finished runs, the only ones a prune deletes: flow-store.ts's `terminalStatuses`
 * (written out here, which flow-store.ts imports; a test checks they are the same).
 */
export const finishedStatuses: readonly string[] = ["completed", "failed", "compensated", "cancelled"];

/**
 * The SQL stores' predicate of a finished run, written as their finished-runs index's (migration 5)
 * is, not as a parameter: the planner then reads by that index.
 */
export const finishedSql = `status IN (${finishedStatuses.map((s) => `'${s}'`).join(", ")})`;

/**
 * Where a prune stops, in the order of ends then run ids: the finished runs that ended before `t`,
 * or at `t` with an id before `id`, go. The stores compare ids themselves (in SQL, with the
 * column's own collation, the one its `ORDER BY` uses).
 */
export interface PruneBound {
  readonly t: number;
  /** `""`: no run that ended at `t` goes. */
  readonly id: string;
}

/**
 * The bound of a prune: the later of its age (`endedBefore`) and its count, where `kept` is the
 * oldest of the `keepLast` newest finished runs (undefined when there are fewer: the count keeps
 * them all). `undefined` when nothing goes.
 *
 * @example
 * pruneBound({ flow: "f", endedBefore: 1000, limit: 500 }, undefined) // { t: 1000, id: "" }
 */
export function pruneBound(q: PruneQuery, kept: PruneBound | undefined): PruneBound | undefined {
  const byAge = q.endedBefore === undefined ? undefined : { t: q.endedBefore, id: "" };
  const byCount =
    q.keepLast === 0 ? { t: Number.MAX_SAFE_INTEGER, id: "" } : q.keepLast === undefined ? undefined : kept;
  if (byAge === undefined || byCount === undefined) return byAge ?? byCount;
  // Same t: the age's "" is first in any collation, so the count's bound is the later one.
  return byCount.t >= byAge.t ? byCount : byAge;
}

/** Checks a prune query (a store refuses a malformed one rather than deleting what it did not mean). */
export function checkPruneQuery(q: PruneQuery): void {
  const bad = (what: string) => new TesseraError("TESSERA_VALIDATION", `prune of flow ${q.flow}: ${what}`);
  if (typeof q.flow !== "string" || q.flow === "")
    throw new TesseraError("TESSERA_VALIDATION", "prune: a flow name is required");
  if (!Number.isSafeInteger(q.limit) || q.limit < 1) throw bad("limit must be a whole number >= 1");
  if (q.endedBefore !== undefined && !Number.isFinite(q.endedBefore))
    throw bad("endedBefore must be a time in ms");
  if (q.keepLast !== undefined && !(Number.isSafeInteger(q.keepLast) && q.keepLast >= 0))
    throw bad("keepLast must be a whole number >= 0");
}
