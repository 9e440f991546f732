import type { FlowTables } from "./flow-store-schema.js";

/**
 * The group commit as one statement, so that a whole batch costs one round trip and one WAL flush:
 * `created` inserts the new runs; `held` checks that the worker still holds each written run
 * (fencing: a run claimed by another worker after a lease expiry, or at another fencing token, is
 * refused) and share-locks it; `updated` applies the runs' updates; `progressed` starts the
 * takeovers of a run that moved on again from zero; `appended` journals the entries of the held runs.
 * Leases are renewed apart (`renew`): a step costs one journal row, not a rewrite of its run's row.
 *
 * Parameters: $1 now, $2 lease ms, $3 owner, $4 active statuses; creates $5–$12; writes $13–$21;
 * journal entries $22–$29 (parallel arrays, unnested); $30 the creates' origins; $31 the writes'
 * fencing tokens (null: fenced by owner only), $32 whether each write makes progress.
 */
export function flowCommitSql(t: FlowTables): string {
  return `
WITH created AS (
  INSERT INTO ${t.runs} (id, flow, version, status, input, idempotency_key, callback_url, created_at, updated_at, due_at, owner, lease_until, origin, fencing_token)
  SELECT c.id, c.flow, c.version, c.status, c.input, c.key, c.callback, $1::bigint, $1::bigint, $1::bigint, c.owner,
    CASE WHEN c.owner IS NULL THEN NULL ELSE $1::bigint + $2::bigint END, c.origin,
    CASE WHEN c.owner IS NULL THEN 0 ELSE 1 END
  FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $30::text[])
    AS c(id, flow, version, status, input, key, callback, owner, origin)
  ON CONFLICT DO NOTHING
  RETURNING id
), w AS (
  SELECT * FROM unnest($13::text[], $14::bool[], $15::text[], $16::text[], $17::text[], $18::bigint[], $19::text[], $20::bool[], $21::int[], $31::bigint[], $32::bool[])
    AS w(id, has_update, status, output, error, due_at, waiting_for, release, seen, token, progress)
), held AS (
  -- Fencing without rewriting each row: a share lock keeps a claimer from taking the run until commit.
  SELECT r.id, r.cancel_requested, r.takeovers > 0 AND w.progress AND NOT w.has_update AS reset
  FROM ${t.runs} r JOIN w ON w.id = r.id
  WHERE r.owner = $3 AND r.status = ANY($4::text[]) AND (w.token IS NULL OR r.fencing_token = w.token)
  FOR SHARE OF r
), progressed AS (
  -- A held run written without an update is rewritten only when it had takeovers to forget.
  UPDATE ${t.runs} r SET takeovers = 0 FROM held WHERE r.id = held.id AND held.reset
), updated AS (
  UPDATE ${t.runs} r SET
    updated_at = $1::bigint,
    status = w.status,
    output = coalesce(w.output, r.output),
    error = coalesce(w.error, r.error),
    waiting_for = w.waiting_for,
    takeovers = 0,
    owner = CASE WHEN w.release THEN NULL ELSE r.owner END,
    lease_until = CASE WHEN w.release THEN NULL ELSE $1::bigint + $2::bigint END,
    due_at = CASE
      WHEN w.release AND w.status = ANY($4::text[]) AND (r.signal_count > w.seen OR r.cancel_requested) THEN $1::bigint
      ELSE w.due_at END
  FROM w
  WHERE r.id = w.id AND w.has_update AND r.id IN (SELECT id FROM held)
  RETURNING r.id, w.release
), appended AS (
  INSERT INTO ${t.journal} (run_id, seq, kind, name, state, value, at, position)
  SELECT j.run_id, j.seq, j.kind, j.name, j.state, j.value, j.at, j.position
  FROM unnest($22::text[], $23::int[], $24::text[], $25::text[], $26::text[], $27::text[], $28::bigint[], $29::text[])
    AS j(run_id, seq, kind, name, state, value, at, position)
  WHERE j.run_id IN (SELECT id FROM held)
  ON CONFLICT (run_id, seq) DO UPDATE SET kind = excluded.kind, name = excluded.name, state = excluded.state,
    value = excluded.value, at = excluded.at, position = excluded.position
)
SELECT 'c' AS k, id, NULL::boolean AS cancel_requested, NULL::boolean AS release FROM created
UNION ALL
SELECT 'h', h.id, h.cancel_requested, u.release FROM held h LEFT JOIN updated u ON u.id = h.id`;
}
