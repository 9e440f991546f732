import type { Database } from "better-sqlite3";
import {
  activeStatuses,
  type ClaimQuery,
  type CommitBatch,
  type CommitResult,
  type FlowStore,
  type JournalEntry,
  type NewRun,
  type RunQuery,
  type RunRecord,
  type RunStatus,
  retryFrom,
  type SignalRecord,
} from "../../ports/flow-store.js";
import { type FlowTables, flowMigrations, flowTables } from "./flow-store-schema.js";

export interface SqliteFlowStoreOptions {
  /** An open better-sqlite3 database (`new Database(".tesserae/flows.db")`); closed by `close()` only with `closeDatabase`. */
  readonly database: Database;
  /** Prefix of the store's tables (default `tessera_flow_`). */
  readonly prefix?: string;
  /**
   * `FULL` (default): a commit is on disk when it returns, power loss included (one fsync per
   * group commit). `NORMAL`: in WAL mode a commit survives a crash of the process but the last ones
   * may be lost on a power failure or an OS crash; several times faster. `keep` leaves the
   * database's setting alone.
   */
  readonly synchronous?: "FULL" | "NORMAL" | "keep";
  readonly closeDatabase?: boolean;
}

interface RunRow {
  id: string;
  flow: string;
  version: string;
  status: RunStatus;
  input: string | null;
  output: string | null;
  error: string | null;
  idempotency_key: string | null;
  callback_url: string | null;
  created_at: number;
  updated_at: number;
  due_at: number | null;
  owner: string | null;
  lease_until: number | null;
  waiting_for: string | null;
  cancel_requested: number;
  signal_count: number;
}

const parse = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));
const text = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function runOf(r: RunRow): RunRecord {
  return {
    id: r.id,
    flow: r.flow,
    version: r.version,
    status: r.status,
    input: parse(r.input),
    output: parse(r.output),
    error: parse(r.error) as RunRecord["error"],
    idempotencyKey: opt(r.idempotency_key),
    callbackUrl: opt(r.callback_url),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    dueAt: opt(r.due_at),
    owner: opt(r.owner),
    leaseUntil: opt(r.lease_until),
    waitingFor: opt(r.waiting_for),
    cancelRequested: r.cancel_requested === 1,
    signalCount: r.signal_count,
  };
}

/** The record of a run this batch created, without reading it back. */
function newRecord(n: NewRun, now: number, leaseUntil: number): RunRecord {
  return {
    id: n.id,
    flow: n.flow,
    version: n.version,
    status: n.owner === undefined ? "queued" : "running",
    input: n.input === null || typeof n.input !== "object" ? n.input : JSON.parse(JSON.stringify(n.input)),
    output: undefined,
    error: undefined,
    idempotencyKey: n.idempotencyKey,
    callbackUrl: n.callbackUrl,
    createdAt: now,
    updatedAt: now,
    dueAt: now,
    owner: n.owner,
    leaseUntil: n.owner === undefined ? undefined : leaseUntil,
    waitingFor: undefined,
    cancelRequested: false,
    signalCount: 0,
  };
}

const ACTIVE = `(${activeStatuses.map((s) => `'${s}'`).join(", ")})`;

function statements(db: Database, t: FlowTables) {
  return {
    create: db.prepare(
      `INSERT OR IGNORE INTO ${t.runs} (id, flow, version, status, input, idempotency_key, callback_url, created_at, updated_at, due_at, owner, lease_until)
       VALUES (@id, @flow, @version, @status, @input, @key, @callback, @now, @now, @now, @owner, @lease)`,
    ),
    byId: db.prepare(`SELECT * FROM ${t.runs} WHERE id = ?`),
    byKey: db.prepare(`SELECT * FROM ${t.runs} WHERE flow = ? AND idempotency_key = ?`),
    held: db.prepare(
      `SELECT id, cancel_requested FROM ${t.runs}
       WHERE id IN (SELECT value FROM json_each(?)) AND owner = ? AND status IN ${ACTIVE}`,
    ),
    append: db.prepare(
      `INSERT INTO ${t.journal} (run_id, seq, kind, name, state, value, at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, seq) DO UPDATE SET kind = excluded.kind, name = excluded.name, state = excluded.state, value = excluded.value, at = excluded.at`,
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
      `UPDATE ${t.runs} SET owner = @owner, lease_until = @lease,
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
      `SELECT seq, kind, name, state, value, at FROM ${t.journal} WHERE run_id = ? ORDER BY seq`,
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
         lease_until = NULL, waiting_for = NULL, cancel_requested = 0, updated_at = @now WHERE id = @id`,
    ),
    renew: db.prepare(
      `UPDATE ${t.runs} SET lease_until = ? WHERE id = ? AND owner = ? AND status IN ${ACTIVE} RETURNING cancel_requested`,
    ),
    releaseAll: db.prepare(
      `UPDATE ${t.runs} SET owner = NULL, lease_until = NULL, due_at = min(coalesce(due_at, @now), @now) WHERE owner = @owner`,
    ),
  };
}

/**
 * The flow store on SQLite (better-sqlite3), the embedded default: WAL mode, one write transaction
 * per group commit. Several processes may share the file (SQLite serialises their writes).
 *
 * @example
 * const store = sqliteFlowStore({ database: new Database(".tesserae/flows.db") });
 */
export class SqliteFlowStore implements FlowStore {
  readonly kind = "sqlite";
  private readonly db: Database;
  private readonly t: FlowTables;
  private s: ReturnType<typeof statements> | undefined;

  constructor(private readonly options: SqliteFlowStoreOptions) {
    this.db = options.database;
    this.t = flowTables(options.prefix ?? "tessera_flow_");
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 5000");
    if (options.synchronous !== "keep") this.db.pragma(`synchronous = ${options.synchronous ?? "FULL"}`);
  }

  private get st(): ReturnType<typeof statements> {
    this.s ??= statements(this.db, this.t);
    return this.s;
  }

  async migrate(): Promise<void> {
    const t = this.t;
    this.db
      .transaction(() => {
        this.db.exec(
          `CREATE TABLE IF NOT EXISTS ${t.migrations} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
        );
        const done = new Set(
          this.db.prepare(`SELECT version FROM ${t.migrations}`).pluck().all() as number[],
        );
        for (const m of flowMigrations(t)) {
          if (done.has(m.version)) continue;
          this.db.exec(m.sql);
          this.db
            .prepare(`INSERT INTO ${t.migrations} (version, applied_at) VALUES (?, ?)`)
            .run(m.version, Date.now());
        }
      })
      .immediate();
  }

  async commit(b: CommitBatch): Promise<CommitResult> {
    const st = this.st;
    const created = new Map<string, { run: RunRecord; created: boolean }>();
    const lost: string[] = [];
    const cancelled: string[] = [];
    const lease = b.now + b.leaseMs;
    this.db
      .transaction(() => {
        for (const n of b.creates) {
          const res = st.create.run({
            id: n.id,
            flow: n.flow,
            version: n.version,
            status: n.owner === undefined ? "queued" : "running",
            input: text(n.input),
            key: n.idempotencyKey ?? null,
            callback: n.callbackUrl ?? null,
            now: b.now,
            owner: n.owner ?? null,
            lease: n.owner === undefined ? null : lease,
          });
          if (res.changes === 1) created.set(n.id, { run: newRecord(n, b.now, lease), created: true });
          else
            created.set(n.id, {
              run: runOf(st.byKey.get(n.flow, n.idempotencyKey) as RunRow),
              created: false,
            });
        }
        if (b.writes.length === 0) return;
        // Fencing: only the runs this worker still holds are written (leases are renewed apart, by `renew`).
        const held = new Map<string, number>();
        const heldRows = st.held.all(JSON.stringify(b.writes.map((w) => w.runId)), b.owner) as {
          id: string;
          cancel_requested: number;
        }[];
        for (const r of heldRows) held.set(r.id, r.cancel_requested);
        for (const w of b.writes) {
          const cancel = held.get(w.runId);
          if (cancel === undefined) {
            lost.push(w.runId);
            continue;
          }
          for (const e of w.entries)
            st.append.run(w.runId, e.seq, e.kind, e.name, e.state, text(e.value), e.at);
          const u = w.update;
          if (u !== undefined) {
            st.update.run({
              id: w.runId,
              status: u.status,
              output: text(u.output),
              error: text(u.error),
              waiting: u.waitingFor ?? null,
              release: u.release ? 1 : 0,
              seen: u.seenSignals ?? Number.MAX_SAFE_INTEGER,
              due: u.dueAt ?? null,
              now: b.now,
              lease,
            });
          }
          if (cancel === 1 && u?.release !== true) cancelled.push(w.runId);
        }
      })
      .immediate();
    return { created, lost, cancelled };
  }

  async claim(q: ClaimQuery): Promise<RunRecord[]> {
    const rows = this.st.claim.all({
      owner: q.owner,
      lease: q.now + q.leaseMs,
      flows: JSON.stringify(q.flows),
      run: q.runId ?? null,
      now: q.now,
      limit: q.limit,
    }) as RunRow[];
    return rows.map(runOf);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = this.st.byId.get(id) as RunRow | undefined;
    return row === undefined ? undefined : runOf(row);
  }

  async findByKey(flow: string, key: string): Promise<RunRecord | undefined> {
    const row = this.st.byKey.get(flow, key) as RunRow | undefined;
    return row === undefined ? undefined : runOf(row);
  }

  async listRuns(q: RunQuery): Promise<RunRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.flow !== undefined) {
      where.push("flow = ?");
      args.push(q.flow);
    }
    if (q.status !== undefined) {
      where.push("status = ?");
      args.push(q.status);
    }
    const sql = `SELECT * FROM ${this.t.runs} ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit ?? 100) as RunRow[]).map(runOf);
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    const rows = this.st.journal.all(runId) as {
      seq: number;
      kind: string;
      name: string;
      state: JournalEntry["state"];
      value: string | null;
      at: number;
    }[];
    return rows.map((r) => ({ ...r, value: parse(r.value) }));
  }

  async signals(runId: string): Promise<SignalRecord[]> {
    const rows = this.st.signals.all(runId) as {
      id: number;
      name: string;
      payload: string | null;
      at: number;
    }[];
    return rows.map((r) => ({ id: r.id, name: r.name, payload: parse(r.payload), at: r.at }));
  }

  async sendSignal(runId: string, name: string, payload: unknown, now: number): Promise<boolean> {
    return this.db
      .transaction(() => {
        if (this.st.touchSignal.run({ id: runId, now }).changes === 0) return false;
        this.st.addSignal.run(runId, name, text(payload), now);
        return true;
      })
      .immediate();
  }

  async signalWaiting(name: string, payload: unknown, now: number): Promise<number> {
    return this.db
      .transaction(() => {
        const ids = this.st.waiting.all(name) as string[];
        for (const id of ids) {
          this.st.touchSignal.run({ id, now });
          this.st.addSignal.run(id, name, text(payload), now);
        }
        return ids.length;
      })
      .immediate();
  }

  async requestCancel(runId: string, now: number): Promise<RunRecord | undefined> {
    this.st.cancel.run({ id: runId, now });
    return this.getRun(runId);
  }

  async retry(runId: string, version: string, now: number): Promise<RunRecord | undefined> {
    return this.db
      .transaction(() => {
        const row = this.st.byId.get(runId) as RunRow | undefined;
        if (row === undefined) return undefined;
        if (row.status !== "blocked" && (activeStatuses.includes(row.status) || row.status === "completed"))
          return runOf(row);
        const from = retryFrom(row.status, this.st.journal.all(runId) as JournalEntry[]);
        this.st.dropJournal.run(runId, Number.isFinite(from) ? from : Number.MAX_SAFE_INTEGER);
        this.st.retry.run({ id: runId, version, now });
        return runOf(this.st.byId.get(runId) as RunRow);
      })
      .immediate();
  }

  async renew(owner: string, runIds: readonly string[], leaseMs: number, now: number): Promise<CommitResult> {
    const lost: string[] = [];
    const cancelled: string[] = [];
    this.db
      .transaction(() => {
        for (const id of runIds) {
          const row = this.st.renew.get(now + leaseMs, id, owner) as { cancel_requested: number } | undefined;
          if (row === undefined) lost.push(id);
          else if (row.cancel_requested === 1) cancelled.push(id);
        }
      })
      .immediate();
    return { created: new Map(), lost, cancelled };
  }

  async releaseAll(owner: string, now: number): Promise<number> {
    return this.st.releaseAll.run({ owner, now }).changes;
  }

  async close(): Promise<void> {
    if (this.options.closeDatabase) this.db.close();
  }
}

/** Creates the SQLite flow store (see {@link SqliteFlowStore}). */
export function sqliteFlowStore(options: SqliteFlowStoreOptions): SqliteFlowStore {
  return new SqliteFlowStore(options);
}
