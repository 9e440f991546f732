import type { Pool } from "pg";
import {
  checkPruneQuery,
  finishedSql,
  type PruneBound,
  type PruneQuery,
  pruneBound,
} from "../../ports/run-retention.js";
import type { FlowTables } from "./flow-store-schema.js";

const WHERE = `flow = $1 AND ${finishedSql} AND owner IS NULL`;
const BOUNDED = `${WHERE} AND updated_at <= $2 AND (updated_at < $2 OR id < $3)`;

/** The runs a prune deletes, oldest end first, locked (exported for the test that they are read by index). */
export function pickSql(t: FlowTables): string {
  return `SELECT id FROM ${t.runs} WHERE ${BOUNDED} ORDER BY updated_at, id LIMIT $4 FOR UPDATE SKIP LOCKED`;
}

/**
 * Prunes the PostgreSQL flow store (see {@link PruneQuery}): each call one statement that locks up to
 * `limit` finished runs, oldest end first, with `FOR UPDATE SKIP LOCKED` and deletes them with their
 * journal entries and signals. Several nodes may prune at once: each skips the rows another holds,
 * and a row is re-checked once locked, so a run retried meanwhile is never deleted.
 */
export async function prunePostgres(pool: Pool, t: FlowTables, q: PruneQuery): Promise<number> {
  checkPruneQuery(q);
  let kept: PruneBound | undefined;
  if (q.keepLast !== undefined && q.keepLast > 0) {
    const { rows } = await pool.query<{ t: string; id: string }>(
      `SELECT updated_at AS t, id FROM ${t.runs} WHERE ${WHERE}
       ORDER BY updated_at DESC, id DESC LIMIT 1 OFFSET $2`,
      [q.flow, q.keepLast - 1],
    );
    kept = rows[0] === undefined ? undefined : { t: Number(rows[0].t), id: rows[0].id };
  }
  const bound = pruneBound(q, kept);
  if (bound === undefined) return 0;
  if (q.dryRun === true) {
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.runs} WHERE ${BOUNDED}`, [
      q.flow,
      bound.t,
      bound.id,
    ]);
    return Number(rows[0]?.n ?? 0);
  }
  const { rowCount } = await pool.query(
    `WITH picked AS (${pickSql(t)}),
     journal AS (DELETE FROM ${t.journal} WHERE run_id IN (SELECT id FROM picked)),
     signals AS (DELETE FROM ${t.signals} WHERE run_id IN (SELECT id FROM picked))
     DELETE FROM ${t.runs} WHERE id IN (SELECT id FROM picked) RETURNING id`,
    [q.flow, bound.t, bound.id, q.limit],
  );
  return rowCount ?? 0;
}
