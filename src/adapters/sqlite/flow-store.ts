import type { Database } from "better-sqlite3";
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
import { SqliteRunPruner } from "./flow-store-prune.js";
import { type FlowTables, flowMigrations, flowTables } from "./flow-store-schema.js";
import { type FlowStatements, flowStatements } from "./flow-store-statements.js";
import { type SqliteConnection, type SqliteSynchronous, sqliteConnection } from "./sqlite-connection.js";
import { migrateSqlite } from "./sqlite-migrations.js";

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
  readonly synchronous?: SqliteSynchronous;
  readonly closeDatabase?: boolean;
}

/**
 * The flow store on SQLite (better-sqlite3), the embedded default: WAL mode, one write transaction
 * per group commit. Several processes may share the file (SQLite serialises their writes), and
 * several stores one database handle (their operations take turns on it).
 *
 * @example
 * const store = sqliteFlowStore({ database: new Database(".tesserae/flows.db") });
 */
export class SqliteFlowStore implements FlowStore {
  readonly kind = "sqlite";
  private readonly db: Database;
  private readonly t: FlowTables;
  private readonly connection: SqliteConnection;
  private readonly level: SqliteSynchronous;
  private s: FlowStatements | undefined;
  private pruner: SqliteRunPruner | undefined;

  constructor(private readonly options: SqliteFlowStoreOptions) {
    this.db = options.database;
    this.t = flowTables(options.prefix ?? "tessera_flow_");
    this.connection = sqliteConnection(this.db);
    this.level = options.synchronous ?? "FULL";
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 5000");
    this.connection.synchronous(this.level);
  }

  private get st(): FlowStatements {
    this.s ??= flowStatements(this.db, this.t);
    return this.s;
  }

  /** Runs `work` in its turn on the connection, at this store's durability. */
  private run<T>(work: () => T): Promise<T> {
    return this.connection.run(() => {
      this.connection.synchronous(this.level);
      return work();
    });
  }

  migrate(): Promise<void> {
    return this.run(() => migrateSqlite(this.db, this.t.migrations, flowMigrations(this.t)));
  }

  commit(b: CommitBatch): Promise<CommitResult> {
    return this.run(() => this.commitNow(b));
  }

  private commitNow(b: CommitBatch): CommitResult {
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
            origin: n.origin === undefined ? null : text(n.origin),
            now: b.now,
            owner: n.owner ?? null,
            lease: n.owner === undefined ? null : lease,
            token: n.owner === undefined ? 0 : 1,
          });
          if (res.changes === 1) created.set(n.id, { run: newRunRecord(n, b.now, b.leaseMs), created: true });
          else
            created.set(n.id, {
              run: runOf(st.byKey.get(n.flow, n.idempotencyKey) as RunRow),
              created: false,
            });
        }
        if (b.writes.length === 0) return;
        // Fencing: only the runs this worker still holds are written (leases are renewed apart, by `renew`).
        const held = new Map<string, HeldRow>();
        const heldRows = st.held.all(JSON.stringify(b.writes.map((w) => w.runId)), b.owner) as HeldRow[];
        for (const r of heldRows) held.set(r.id, r);
        for (const w of b.writes) {
          const row = held.get(w.runId);
          if (row === undefined || (w.fencingToken !== undefined && row.fencing_token !== w.fencingToken)) {
            lost.push(w.runId);
            continue;
          }
          const cancel = row.cancel_requested;
          if (row.takeovers > 0 && madeProgress(w)) st.progressed.run(w.runId);
          for (const e of w.entries)
            st.append.run(w.runId, e.seq, e.kind, e.name, e.state, text(e.value), e.at, e.position ?? null);
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

  claim(q: ClaimQuery): Promise<RunRecord[]> {
    return this.run(() => this.claimNow(q));
  }

  private claimNow(q: ClaimQuery): RunRecord[] {
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

  getRun(id: string): Promise<RunRecord | undefined> {
    return this.run(() => this.runNow(id));
  }

  private runNow(id: string): RunRecord | undefined {
    const row = this.st.byId.get(id) as RunRow | undefined;
    return row === undefined ? undefined : runOf(row);
  }

  findByKey(flow: string, key: string): Promise<RunRecord | undefined> {
    return this.run(() => {
      const row = this.st.byKey.get(flow, key) as RunRow | undefined;
      return row === undefined ? undefined : runOf(row);
    });
  }

  listRuns(q: RunQuery): Promise<RunRecord[]> {
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
    return this.run(() => (this.db.prepare(sql).all(...args, q.limit ?? 100) as RunRow[]).map(runOf));
  }

  journal(runId: string): Promise<JournalEntry[]> {
    return this.run(() => {
      const rows = this.st.journal.all(runId) as {
        seq: number;
        kind: string;
        name: string;
        state: JournalEntry["state"];
        value: string | null;
        at: number;
        position: string | null;
      }[];
      return rows.map(({ position, ...r }) => ({
        ...r,
        value: parse(r.value),
        ...(position === null ? {} : { position }),
      }));
    });
  }

  signals(runId: string): Promise<SignalRecord[]> {
    return this.run(() => {
      const rows = this.st.signals.all(runId) as {
        id: number;
        name: string;
        payload: string | null;
        at: number;
      }[];
      return rows.map((r) => ({ id: r.id, name: r.name, payload: parse(r.payload), at: r.at }));
    });
  }

  sendSignal(runId: string, name: string, payload: unknown, now: number): Promise<boolean> {
    return this.run(() =>
      this.db
        .transaction(() => {
          if (this.st.touchSignal.run({ id: runId, now }).changes === 0) return false;
          this.st.addSignal.run(runId, name, text(payload), now);
          return true;
        })
        .immediate(),
    );
  }

  signalWaiting(name: string, payload: unknown, now: number): Promise<number> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const ids = this.st.waiting.all(name) as string[];
          for (const id of ids) {
            this.st.touchSignal.run({ id, now });
            this.st.addSignal.run(id, name, text(payload), now);
          }
          return ids.length;
        })
        .immediate(),
    );
  }

  requestCancel(runId: string, now: number): Promise<RunRecord | undefined> {
    return this.run(() => {
      this.st.cancel.run({ id: runId, now });
      return this.runNow(runId);
    });
  }

  retry(runId: string, version: string, now: number): Promise<RunRecord | undefined> {
    return this.run(() => this.retryNow(runId, version, now));
  }

  private retryNow(runId: string, version: string, now: number): RunRecord | undefined {
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

  renew(owner: string, runs: readonly HeldRun[], leaseMs: number, now: number): Promise<CommitResult> {
    return this.run(() => this.renewNow(owner, runs, leaseMs, now));
  }

  private renewNow(owner: string, runs: readonly HeldRun[], leaseMs: number, now: number): CommitResult {
    const lost: string[] = [];
    const cancelled: string[] = [];
    this.db
      .transaction(() => {
        for (const { id, fencingToken } of runs) {
          const row = this.st.renew.get({ lease: now + leaseMs, id, owner, token: fencingToken ?? null }) as
            | { cancel_requested: number }
            | undefined;
          if (row === undefined) lost.push(id);
          else if (row.cancel_requested === 1) cancelled.push(id);
        }
      })
      .immediate();
    return { created: new Map(), lost, cancelled };
  }

  releaseAll(owner: string, now: number, abandoned = false): Promise<number> {
    return this.run(() => this.st.releaseAll.run({ owner, now, abandoned: abandoned ? 1 : 0 }).changes);
  }

  prune(q: PruneQuery): Promise<number> {
    return this.run(() => {
      this.pruner ??= new SqliteRunPruner(this.db, this.t);
      return this.pruner.prune(q);
    });
  }

  async close(): Promise<void> {
    if (this.options.closeDatabase) await this.run(() => this.db.close());
  }
}

/** What a commit reads of the runs it writes: fencing, cancellation, takeovers to reset. */
interface HeldRow {
  readonly id: string;
  readonly cancel_requested: number;
  readonly fencing_token: number;
  readonly takeovers: number;
}

/** Creates the SQLite flow store (see {@link SqliteFlowStore}). */
export function sqliteFlowStore(options: SqliteFlowStoreOptions): SqliteFlowStore {
  return new SqliteFlowStore(options);
}
