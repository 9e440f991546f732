import type { JournalEntry, RunRecord, SignalRecord } from "../../ports/flow-store.js";
import {
  checkPruneQuery,
  finishedStatuses,
  type PruneBound,
  type PruneQuery,
  pruneBound,
} from "../../ports/run-retention.js";

/** The maps of the memory flow store that a prune deletes from. */
export interface MemoryRunTables {
  readonly runs: Map<string, RunRecord>;
  /** `flow \0 idempotencyKey` → run id. */
  readonly keys: Map<string, string>;
  readonly journals: Map<string, Map<number, JournalEntry>>;
  readonly signals: Map<string, SignalRecord[]>;
}

const finished = new Set(finishedStatuses);
/** Newest end first, then newest id (the order of the SQL stores' index). */
const newestFirst = (a: RunRecord, b: RunRecord) =>
  b.updatedAt - a.updatedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * Deletes (or counts, with `dryRun`) the finished runs of a flow that the query's bound lets go,
 * oldest first, at most `limit` (see {@link PruneQuery}); returns how many.
 */
export function pruneMemoryRuns(q: PruneQuery, t: MemoryRunTables): number {
  checkPruneQuery(q);
  const done = [...t.runs.values()].filter(
    (r) => r.flow === q.flow && finished.has(r.status) && r.owner === undefined,
  );
  done.sort(newestFirst);
  const kept = q.keepLast === undefined || q.keepLast === 0 ? undefined : done[q.keepLast - 1];
  const bound = pruneBound(q, kept === undefined ? undefined : { t: kept.updatedAt, id: kept.id });
  if (bound === undefined) return 0;
  const goes = (r: RunRecord, b: PruneBound) => r.updatedAt < b.t || (r.updatedAt === b.t && r.id < b.id);
  const gone = done.filter((r) => goes(r, bound)).reverse();
  if (q.dryRun === true) return gone.length;
  const batch = gone.slice(0, q.limit);
  for (const r of batch) {
    t.runs.delete(r.id);
    t.journals.delete(r.id);
    t.signals.delete(r.id);
    if (r.idempotencyKey !== undefined) t.keys.delete(`${r.flow}\u0000${r.idempotencyKey}`);
  }
  return batch.length;
}
