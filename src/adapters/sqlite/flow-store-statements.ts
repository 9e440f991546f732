import type { Database, Statement } from "better-sqlite3";
import { activeStatuses } from "../../ports/flow-store.js";
import type { FlowTables } from "./flow-store-schema.js";

const ACTIVE = `(${activeStatuses.map((s) => `'${s}'`).join(", ")})`;

type FlowStatement =
  | "create"
  | "byId"
  | "byKey"
  | "held"
  | "progressed"
  | "append"
  | "update"
  | "claim"
  | "journal"
  | "dropJournal"
  | "signals"
  | "addSignal"
  | "touchSignal"
  | "waiting"
  | "cancel"
  | "retry"
  | "renew"
  | "releaseAll";

/** The prepared statements of the SQLite flow store, by name. */
export type FlowStatements = Readonly<Record<FlowStatement, Statement>>;

/** Prepares the statements of the SQLite flow store (once, on first use). */
export function flowStatements(db: Database, t: FlowTables): FlowStatements {
  return {
    create: db.prepare(
      `INSERT OR IGNORE INTO ${t.runs} (id, flow, version, status, input, idempotency_key, callback_url, created_at, updated_at, due_at, owner, lease_until, origin, fencing_token)
       VALUES (@id, @flow, @version, @status, @input, @key, @callback, @now, @now, @now, @owner, @lease, @origin, @token)`,
    ),
    byId: db.prepare(`SELECT * FROM ${t.runs} WHERE id = ?`),
    byKey: db.prepare(`SELECT * FROM ${t.runs} WHERE flow = ? AND idempotency_key = ?`),
    held: db.prepare(
      `SELECT id, cancel_requested, fencing_token, takeovers FROM ${t.runs}
       WHERE id IN (SELECT value FROM json_each(?)) AND owner = ? AND status IN ${ACTIVE}`,
    ),
    progressed: db.prepare(`UPDATE ${t.runs} SET takeovers = 0 WHERE id = ?`),
    append: db.prepare(
      `INSERT INTO ${t.journal} (run_id, seq, kind, name, state, value, at, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, seq) DO UPDATE SET kind = excluded.kind, name = excluded.name, state = excluded.state, value = excluded.value, at = excluded.at, position = excluded.position`,
    ),
    update: db.prepare(
      `UPDATE ${t.runs} SET status = @status, output = coalesce(@output, output), error = coalesce(@error, error),
         waiting_for = @waiting, updated_at = @now,
         owner = CASE WHEN @release THEN NULL ELSE owner END,
         lease_until = CASE WHEN @release THEN NULL ELSE @lease END,
         due_at = CASE WHEN @release AND @status IN ${ACTIVE} AND (signal_count > @seen OR cancel_requested = 1) THEN @now ELSE @due END
       WHERE id = @id`,
    ),
    claim: db.prepare(
      `UPDATE ${t.runs} SET owner = @owner, lease_until = @lease, fencing_token = fencing_token + 1,
         takeovers = CASE WHEN owner IS NULL OR owner = @owner THEN takeovers ELSE takeovers + 1 END,
         status = CASE WHEN status = 'compensating' THEN status ELSE 'running' END
       WHERE id IN (
         SELECT id FROM ${t.runs}
         WHERE flow IN (SELECT value FROM json_each(@flows)) AND status IN ${ACTIVE}
           AND (@run IS NULL OR id = @run)
           AND ((owner IS NULL AND due_at <= @now) OR (owner IS NOT NULL AND lease_until < @now))
         ORDER BY due_at LIMIT @limit)
       RETURNING *`,
    ),
    journal: db.prepare(
      `SELECT seq, kind, name, state, value, at, position FROM ${t.journal} WHERE run_id = ? ORDER BY seq`,
    ),
    dropJournal: db.prepare(`DELETE FROM ${t.journal} WHERE run_id = ? AND (seq <= 0 OR seq >= ?)`),
    signals: db.prepare(`SELECT id, name, payload, at FROM ${t.signals} WHERE run_id = ? ORDER BY id`),
    addSignal: db.prepare(`INSERT INTO ${t.signals} (run_id, name, payload, at) VALUES (?, ?, ?, ?)`),
    touchSignal: db.prepare(
      `UPDATE ${t.runs} SET signal_count = signal_count + 1, due_at = CASE WHEN owner IS NULL THEN @now ELSE due_at END
       WHERE id = @id AND status IN ${ACTIVE}`,
    ),
    waiting: db
      .prepare(
        `SELECT id FROM ${t.runs} WHERE status IN ${ACTIVE} AND (' ' || waiting_for || ' ') LIKE ('% ' || ? || ' %')`,
      )
      .pluck(),
    cancel: db.prepare(
      `UPDATE ${t.runs} SET cancel_requested = 1, updated_at = @now, due_at = CASE WHEN owner IS NULL THEN @now ELSE due_at END
       WHERE id = @id AND status IN ${ACTIVE}`,
    ),
    retry: db.prepare(
      `UPDATE ${t.runs} SET status = 'queued', version = @version, output = NULL, error = NULL, due_at = @now, owner = NULL,
         lease_until = NULL, waiting_for = NULL, cancel_requested = 0, takeovers = 0, updated_at = @now WHERE id = @id`,
    ),
    renew: db.prepare(
      `UPDATE ${t.runs} SET lease_until = @lease
       WHERE id = @id AND owner = @owner AND (@token IS NULL OR fencing_token = @token) AND status IN ${ACTIVE}
       RETURNING cancel_requested`,
    ),
    releaseAll: db.prepare(
      `UPDATE ${t.runs} SET owner = NULL, lease_until = NULL, due_at = min(coalesce(due_at, @now), @now),
         takeovers = CASE WHEN @abandoned AND status IN ${ACTIVE} THEN takeovers + 1 ELSE takeovers END
       WHERE owner = @owner`,
    ),
  };
}
