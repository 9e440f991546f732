import type { Pool } from "pg";
import {
  activeStatuses,
  type ClaimQuery,
  type CommitBatch,
  type CommitResult,
  type FlowStore,
  type HeldRun,
  type JournalEntry,
  madeProgress,
  type RunQuery,
  type RunRecord,
  retryFrom,
  type SignalRecord,
} from "../../ports/flow-store.js";
import { parseJsonColumn as parse, jsonColumn as text } from "../../ports/json-column.js";
import { newRunRecord, type RunRow, runRecordOf as runOf } from "../../ports/run-record.js";
import type { PruneQuery } from "../../ports/run-retention.js";
import { guardedPool } from "./connection-failure.js";
import { flowCommitSql } from "./flow-store-commit.js";
import { prunePostgres } from "./flow-store-prune.js";
import { type FlowTables, flowMigrations, flowTables } from "./flow-store-schema.js";
import { inTransaction } from "./pg-transaction.js";
import { migratePostgres } from "./postgres-migrations.js";

export interface PostgresFlowStoreOptions {
  /** A `pg` pool (`new pg.Pool({ connectionString })`); the store does not end it unless `closePool`. */
  readonly pool: Pool;
  /** The PostgreSQL schema of the store's tables, created if missing (default `tessera`). */
  readonly schema?: string;
  readonly closePool?: boolean;
}

const ACTIVE = [...activeStatuses];

/**
 * The flow store on PostgreSQL (`pg`). A group commit is one statement (its own transaction: one
 * round trip, one WAL flush) that creates runs, checks and renews the leases of the held ones,
 * appends their journal entries and updates them. Workers claim due runs with
 * `FOR UPDATE SKIP LOCKED`, so many share the work without waiting for each other. The pool may be
 * shared with the other stores of the database.
 *
 * @example
 * const store = postgresFlowStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 */
export class PostgresFlowStore implements FlowStore {
  readonly kind = "postgres";
  private readonly pool: Pool;
  private readonly t: FlowTables;
  private readonly commitSql: string;

  constructor(private readonly options: PostgresFlowStoreOptions) {
    this.pool = guardedPool(options.pool);
    this.t = flowTables(options.schema ?? "tessera");
    this.commitSql = flowCommitSql(this.t);
  }

  migrate(): Promise<void> {
    return migratePostgres(this.pool, this.t.schema, this.t.migrations, flowMigrations(this.t));
  }

  async commit(b: CommitBatch): Promise<CommitResult> {
    const c = b.creates;
    const w = b.writes;
    const entries = w.flatMap((x) => x.entries.map((e) => [x.runId, e] as const));
    const rows = (
      await this.pool.query<{
        k: string;
        id: string;
        cancel_requested: boolean | null;
        release: boolean | null;
      }>(this.commitSql, [
        b.now,
        b.leaseMs,
        b.owner,
        ACTIVE,
        c.map((n) => n.id),
        c.map((n) => n.flow),
        c.map((n) => n.version),
        c.map((n) => (n.owner === undefined ? "queued" : "running")),
        c.map((n) => text(n.input)),
        c.map((n) => n.idempotencyKey ?? null),
        c.map((n) => n.callbackUrl ?? null),
        c.map((n) => n.owner ?? null),
        w.map((x) => x.runId),
        w.map((x) => x.update !== undefined),
        w.map((x) => x.update?.status ?? null),
        w.map((x) => text(x.update?.output)),
        w.map((x) => text(x.update?.error)),
        w.map((x) => x.update?.dueAt ?? null),
        w.map((x) => x.update?.waitingFor ?? null),
        w.map((x) => x.update?.release === true),
        w.map((x) => x.update?.seenSignals ?? 2_147_483_647),
        entries.map(([id]) => id),
        entries.map(([, e]) => e.seq),
        entries.map(([, e]) => e.kind),
        entries.map(([, e]) => e.name),
        entries.map(([, e]) => e.state),
        entries.map(([, e]) => text(e.value)),
        entries.map(([, e]) => e.at),
        entries.map(([, e]) => e.position ?? null),
        c.map((n) => (n.origin === undefined ? null : text(n.origin))),
        w.map((x) => x.fencingToken ?? null),
        w.map(madeProgress),
      ])
    ).rows;
    const inserted = new Set<string>();
    const held = new Set<string>();
    const cancelled: string[] = [];
    for (const r of rows) {
      if (r.k === "c") inserted.add(r.id);
      else {
        held.add(r.id);
        if (r.cancel_requested === true && r.release !== true) cancelled.push(r.id);
      }
    }
    const created = new Map<string, { run: RunRecord; created: boolean }>();
    for (const n of c) {
      if (inserted.has(n.id)) created.set(n.id, { run: newRunRecord(n, b.now, b.leaseMs), created: true });
      else {
        const run =
          n.idempotencyKey === undefined ? undefined : await this.findByKey(n.flow, n.idempotencyKey);
        if (run === undefined) throw new Error(`run ${n.id} was neither created nor found by its key`);
        created.set(n.id, { run, created: false });
      }
    }
    return { created, lost: w.map((x) => x.runId).filter((id) => !held.has(id)), cancelled };
  }

  async claim(q: ClaimQuery): Promise<RunRecord[]> {
    const t = this.t;
    const { rows } = await this.pool.query<RunRow>(
      `UPDATE ${t.runs} r SET owner = $1, lease_until = $2, fencing_token = r.fencing_token + 1,
         takeovers = CASE WHEN r.owner IS NULL OR r.owner = $1 THEN r.takeovers ELSE r.takeovers + 1 END,
         status = CASE WHEN r.status = 'compensating' THEN r.status ELSE 'running' END
       WHERE r.id IN (
         SELECT id FROM ${t.runs}
         WHERE flow = ANY($3) AND status = ANY($4) AND ($5::text IS NULL OR id = $5)
           AND ((owner IS NULL AND due_at <= $6) OR (owner IS NOT NULL AND lease_until < $6))
         ORDER BY due_at LIMIT $7
         FOR UPDATE SKIP LOCKED)
       RETURNING r.*`,
      [q.owner, q.now + q.leaseMs, q.flows, ACTIVE, q.runId ?? null, q.now, q.limit],
    );
    return rows.map(runOf);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const { rows } = await this.pool.query<RunRow>(`SELECT * FROM ${this.t.runs} WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : runOf(rows[0]);
  }

  async findByKey(flow: string, key: string): Promise<RunRecord | undefined> {
    const { rows } = await this.pool.query<RunRow>(
      `SELECT * FROM ${this.t.runs} WHERE flow = $1 AND idempotency_key = $2`,
      [flow, key],
    );
    return rows[0] === undefined ? undefined : runOf(rows[0]);
  }

  async listRuns(q: RunQuery): Promise<RunRecord[]> {
    const { rows } = await this.pool.query<RunRow>(
      `SELECT * FROM ${this.t.runs} WHERE ($1::text IS NULL OR flow = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY id DESC LIMIT $3`,
      [q.flow ?? null, q.status ?? null, q.limit ?? 100],
    );
    return rows.map(runOf);
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    const { rows } = await this.pool.query<{
      seq: number;
      kind: string;
      name: string;
      state: JournalEntry["state"];
      value: string | null;
      at: string;
      position: string | null;
    }>(
      `SELECT seq, kind, name, state, value, at, position FROM ${this.t.journal} WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
    return rows.map(({ position, ...r }) => ({
      ...r,
      value: parse(r.value),
      at: Number(r.at),
      ...(position === null ? {} : { position }),
    }));
  }

  async signals(runId: string): Promise<SignalRecord[]> {
    const { rows } = await this.pool.query<{ id: string; name: string; payload: string | null; at: string }>(
      `SELECT id, name, payload, at FROM ${this.t.signals} WHERE run_id = $1 ORDER BY id`,
      [runId],
    );
    return rows.map((r) => ({ id: Number(r.id), name: r.name, payload: parse(r.payload), at: Number(r.at) }));
  }

  async sendSignal(runId: string, name: string, payload: unknown, now: number): Promise<boolean> {
    const t = this.t;
    // The run's row is updated (and so locked) first: a suspension committing at the same time
    // sees the new signal count and makes the run due again.
    const { rows } = await this.pool.query(
      `WITH touched AS (
         UPDATE ${t.runs} SET signal_count = signal_count + 1, due_at = CASE WHEN owner IS NULL THEN $4 ELSE due_at END
         WHERE id = $1 AND status = ANY($5) RETURNING id)
       INSERT INTO ${t.signals} (run_id, name, payload, at) SELECT id, $2, $3, $4 FROM touched RETURNING id`,
      [runId, name, text(payload), now, ACTIVE],
    );
    return rows.length > 0;
  }

  async signalWaiting(name: string, payload: unknown, now: number): Promise<number> {
    const t = this.t;
    const { rows } = await this.pool.query(
      `WITH touched AS (
         UPDATE ${t.runs} SET signal_count = signal_count + 1, due_at = CASE WHEN owner IS NULL THEN $3 ELSE due_at END
         WHERE status = ANY($4) AND (' ' || waiting_for || ' ') LIKE ('% ' || $1 || ' %') RETURNING id)
       INSERT INTO ${t.signals} (run_id, name, payload, at) SELECT id, $1, $2, $3 FROM touched RETURNING id`,
      [name, text(payload), now, ACTIVE],
    );
    return rows.length;
  }

  async requestCancel(runId: string, now: number): Promise<RunRecord | undefined> {
    await this.pool.query(
      `UPDATE ${this.t.runs} SET cancel_requested = true, updated_at = $2,
         due_at = CASE WHEN owner IS NULL THEN $2 ELSE due_at END
       WHERE id = $1 AND status = ANY($3)`,
      [runId, now, ACTIVE],
    );
    return this.getRun(runId);
  }

  retry(runId: string, version: string, now: number): Promise<RunRecord | undefined> {
    const t = this.t;
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<RunRow>(`SELECT * FROM ${t.runs} WHERE id = $1 FOR UPDATE`, [
        runId,
      ]);
      const row = rows[0];
      if (
        row === undefined ||
        (row.status !== "blocked" && (ACTIVE.includes(row.status) || row.status === "completed"))
      )
        return row === undefined ? undefined : runOf(row);
      const journal = (
        await client.query<{ seq: number; state: JournalEntry["state"]; kind: string; position?: string }>(
          `SELECT seq, state, kind, position FROM ${t.journal} WHERE run_id = $1`,
          [runId],
        )
      ).rows;
      const from = retryFrom(row.status, journal);
      await client.query(`DELETE FROM ${t.journal} WHERE run_id = $1 AND (seq <= 0 OR seq >= $2)`, [
        runId,
        Number.isFinite(from) ? from : 2_147_483_647,
      ]);
      const updated = await client.query<RunRow>(
        `UPDATE ${t.runs} SET status = 'queued', version = $2, output = NULL, error = NULL, due_at = $3, owner = NULL,
           lease_until = NULL, waiting_for = NULL, cancel_requested = false, takeovers = 0, updated_at = $3
         WHERE id = $1 RETURNING *`,
        [runId, version, now],
      );
      return runOf(updated.rows[0]!);
    });
  }

  async renew(owner: string, runs: readonly HeldRun[], leaseMs: number, now: number): Promise<CommitResult> {
    const { rows } = await this.pool.query<{ id: string; cancel_requested: boolean }>(
      `UPDATE ${this.t.runs} r SET lease_until = $1
       FROM unnest($2::text[], $5::bigint[]) AS h(id, token)
       WHERE r.id = h.id AND r.owner = $3 AND r.status = ANY($4) AND (h.token IS NULL OR r.fencing_token = h.token)
       RETURNING r.id, r.cancel_requested`,
      [now + leaseMs, runs.map((r) => r.id), owner, ACTIVE, runs.map((r) => r.fencingToken ?? null)],
    );
    const held = new Set(rows.map((r) => r.id));
    return {
      created: new Map(),
      lost: runs.filter((r) => !held.has(r.id)).map((r) => r.id),
      cancelled: rows.filter((r) => r.cancel_requested).map((r) => r.id),
    };
  }

  async releaseAll(owner: string, now: number, abandoned = false): Promise<number> {
    const r = await this.pool.query(
      `UPDATE ${this.t.runs} SET owner = NULL, lease_until = NULL, due_at = least(coalesce(due_at, $2), $2),
         takeovers = CASE WHEN $3 AND status = ANY($4) THEN takeovers + 1 ELSE takeovers END
       WHERE owner = $1`,
      [owner, now, abandoned, ACTIVE],
    );
    return r.rowCount ?? 0;
  }

  prune(q: PruneQuery): Promise<number> {
    return prunePostgres(this.pool, this.t, q);
  }

  async close(): Promise<void> {
    if (this.options.closePool) await this.pool.end();
  }
}

/** Creates the PostgreSQL flow store (see {@link PostgresFlowStore}). */
export function postgresFlowStore(options: PostgresFlowStoreOptions): PostgresFlowStore {
  return new PostgresFlowStore(options);
}
