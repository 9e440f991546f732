import type { Database, Statement } from "better-sqlite3";
import {
  checkPruneQuery,
  finishedSql,
  type PruneBound,
  type PruneQuery,
  pruneBound,
} from "../../ports/run-retention.js";
import type { FlowTables } from "./flow-store-schema.js";

const WHERE = `flow = @flow AND ${finishedSql} AND owner IS NULL`;
const BOUNDED = `${WHERE} AND updated_at <= @t AND (updated_at < @t OR id < @id)`;

/** The runs a prune deletes, oldest end first (exported for the test that SQLite reads them by index). */
export function pickSql(t: FlowTables): string {
  return `SELECT id FROM ${t.runs} WHERE ${BOUNDED} ORDER BY updated_at, id LIMIT @limit`;
}

/**
 * Prunes the SQLite flow store (see {@link PruneQuery}): each call one `IMMEDIATE` transaction that
 * picks up to `limit` finished runs, oldest end first, and deletes them with their journal entries
 * and signals. The pick and the deletes are one transaction, so a run retried in between is never
 * deleted; several processes on one file take turns (SQLite serialises their writes).
 */
export class SqliteRunPruner {
  private readonly kept: Statement;
  private readonly pick: Statement;
  private readonly count: Statement;
  private readonly dropJournal: Statement;
  private readonly dropSignals: Statement;
  private readonly dropRuns: Statement;

  constructor(
    private readonly db: Database,
    t: FlowTables,
  ) {
    this.kept = db.prepare(
      `SELECT updated_at AS t, id FROM ${t.runs} WHERE ${WHERE} ORDER BY updated_at DESC, id DESC LIMIT 1 OFFSET @offset`,
    );
    this.pick = db.prepare(pickSql(t)).pluck();
    this.count = db.prepare(`SELECT count(*) FROM ${t.runs} WHERE ${BOUNDED}`).pluck();
    const ids = "(SELECT value FROM json_each(?))";
    this.dropJournal = db.prepare(`DELETE FROM ${t.journal} WHERE run_id IN ${ids}`);
    this.dropSignals = db.prepare(`DELETE FROM ${t.signals} WHERE run_id IN ${ids}`);
    this.dropRuns = db.prepare(
      `DELETE FROM ${t.runs} WHERE id IN ${ids} AND ${finishedSql} AND owner IS NULL`,
    );
  }

  prune(q: PruneQuery): number {
    checkPruneQuery(q);
    return this.db
      .transaction(() => {
        const bound = this.bound(q);
        if (bound === undefined) return 0;
        const args = { flow: q.flow, t: bound.t, id: bound.id };
        if (q.dryRun === true) return this.count.get(args) as number;
        const picked = this.pick.all({ ...args, limit: q.limit }) as string[];
        if (picked.length === 0) return 0;
        const json = JSON.stringify(picked);
        this.dropJournal.run(json);
        this.dropSignals.run(json);
        return this.dropRuns.run(json).changes;
      })
      .immediate();
  }

  private bound(q: PruneQuery): PruneBound | undefined {
    const kept =
      q.keepLast === undefined || q.keepLast === 0
        ? undefined
        : (this.kept.get({ flow: q.flow, offset: q.keepLast - 1 }) as PruneBound | undefined);
    return pruneBound(q, kept);
  }
}
