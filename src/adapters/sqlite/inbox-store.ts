import type { Database } from "better-sqlite3";
import type { InboxClaim, InboxStore } from "../../ports/inbox-store.js";
import type { Migration } from "../../ports/migration.js";
import { type SqliteConnection, type SqliteSynchronous, sqliteConnection } from "./sqlite-connection.js";
import { migrateSqlite } from "./sqlite-migrations.js";
import { tablePrefix } from "./table-prefix.js";

export interface SqliteInboxOptions {
  /** An open better-sqlite3 database (may be the flow store's or the event store's). */
  readonly database: Database;
  /** Prefix of the inbox's tables (default `tessera_`): `<prefix>inbox`. */
  readonly prefix?: string;
  /**
   * `NORMAL` (default): in WAL mode a stored answer survives a crash of the process; the last ones
   * may be lost on a power failure (their keys would then run again). `FULL`: on disk when stored
   * (one fsync per write). `keep` leaves the database's setting alone.
   */
  readonly synchronous?: SqliteSynchronous;
  readonly closeDatabase?: boolean;
}

interface Row {
  fingerprint: string;
  locked_until: number;
  ok: number | null;
  data: Buffer | null;
  completed_at: number | null;
}

const inboxMigrations = (t: string): Migration[] => [
  {
    version: 1,
    sql: `CREATE TABLE IF NOT EXISTS ${t} (
      target TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, locked_until INTEGER NOT NULL,
      ok INTEGER, data BLOB, completed_at INTEGER, PRIMARY KEY (target, key)) WITHOUT ROWID`,
  },
];

/**
 * The inbox of idempotent calls on SQLite: one row per target and key, its answer once done.
 *
 * @example
 * const inbox = sqliteInbox({ database: new Database(".tesserae/flows.db") });
 */
export class SqliteInbox implements InboxStore {
  readonly kind = "sqlite";
  private readonly t: string;
  private readonly connection: SqliteConnection;
  private readonly level: SqliteSynchronous;
  private migrated: Promise<void> | undefined;

  constructor(private readonly options: SqliteInboxOptions) {
    this.t = `${tablePrefix(options.prefix ?? "tessera_")}inbox`;
    this.connection = sqliteConnection(options.database);
    this.level = options.synchronous ?? "NORMAL";
    options.database.pragma("journal_mode = WAL");
    options.database.pragma("busy_timeout = 5000");
  }

  /** Runs `work` in its turn on the connection, at this store's durability. */
  private async run<T>(work: () => T): Promise<T> {
    await this.migrate();
    return this.connection.run(() => {
      this.connection.synchronous(this.level);
      return work();
    });
  }

  /** Creates the table (once; the first operation does it too). */
  migrate(): Promise<void> {
    // A failure is not kept: the next operation tries again (the database may be back).
    this.migrated ??= this.migrateNow().catch((err: unknown) => {
      this.migrated = undefined;
      throw err;
    });
    return this.migrated;
  }

  private migrateNow(): Promise<void> {
    const t = this.t;
    return this.connection.run(() =>
      migrateSqlite(this.options.database, `${t}_migrations`, inboxMigrations(t)),
    );
  }

  claim(target: string, key: string, fingerprint: string, now: number, lockMs: number): Promise<InboxClaim> {
    const db = this.options.database;
    return this.run(() => {
      const taken = db
        .prepare(
          `INSERT INTO ${this.t} (target, key, fingerprint, locked_until) VALUES (?, ?, ?, ?)
           ON CONFLICT (target, key) DO UPDATE SET fingerprint = excluded.fingerprint, locked_until = excluded.locked_until
           WHERE completed_at IS NULL AND locked_until <= ?`,
        )
        .run(target, key, fingerprint, now + lockMs, now);
      if (taken.changes > 0) return { kind: "claimed" } as const;
      const row = db
        .prepare(
          `SELECT fingerprint, locked_until, ok, data, completed_at FROM ${this.t} WHERE target = ? AND key = ?`,
        )
        .get(target, key) as Row | undefined;
      return claimOf(row, fingerprint);
    });
  }

  complete(target: string, key: string, ok: boolean, data: Uint8Array, now: number): Promise<void> {
    return this.run(() => {
      this.options.database
        .prepare(`UPDATE ${this.t} SET ok = ?, data = ?, completed_at = ? WHERE target = ? AND key = ?`)
        .run(ok ? 1 : 0, Buffer.from(data.buffer, data.byteOffset, data.byteLength), now, target, key);
    });
  }

  release(target: string, key: string): Promise<void> {
    return this.run(() => {
      this.options.database
        .prepare(`DELETE FROM ${this.t} WHERE target = ? AND key = ? AND completed_at IS NULL`)
        .run(target, key);
    });
  }

  purge(before: number): Promise<number> {
    return this.run(
      () =>
        this.options.database
          .prepare(
            `DELETE FROM ${this.t} WHERE (completed_at IS NOT NULL AND completed_at < ?) OR (completed_at IS NULL AND locked_until < ?)`,
          )
          .run(before, before).changes,
    );
  }

  /** One read of the table (created first if need be), for `/ready`. */
  ping(): Promise<unknown> {
    return this.run(() => this.options.database.prepare(`SELECT 1 FROM ${this.t} LIMIT 1`).get());
  }

  async close(): Promise<void> {
    if (this.options.closeDatabase) this.options.database.close();
  }
}

/** What a row that was not taken says (none: it went between the two statements, so busy: try again). */
export function claimOf(
  row:
    | { fingerprint: string; ok: number | boolean | null; data: Uint8Array | null; completed_at: unknown }
    | undefined,
  fingerprint: string,
): InboxClaim {
  if (row === undefined) return { kind: "busy", fingerprint };
  if (row.completed_at === null || row.data === null) return { kind: "busy", fingerprint: row.fingerprint };
  return {
    kind: "done",
    fingerprint: row.fingerprint,
    ok: row.ok === true || row.ok === 1,
    data: new Uint8Array(row.data),
  };
}

/** @example const inbox = sqliteInbox({ database }); await inbox.migrate(); */
export function sqliteInbox(options: SqliteInboxOptions): SqliteInbox {
  return new SqliteInbox(options);
}
