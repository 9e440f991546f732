import type { Pool } from "pg";
import type { InboxClaim, InboxStore } from "../../ports/inbox-store.js";
import type { Migration } from "../../ports/migration.js";
import { guardedPool } from "./connection-failure.js";
import { migratePostgres } from "./postgres-migrations.js";
import { ident } from "./sql-ident.js";

export interface PostgresInboxOptions {
  /** A `pg` pool (may be shared with the other stores); ended by `close()` only with `closePool`. */
  readonly pool: Pool;
  /** The schema of its table `inbox`, created if missing (default `tessera`). */
  readonly schema?: string;
  readonly closePool?: boolean;
}

const inboxMigrations = (t: string): Migration[] => [
  {
    version: 1,
    sql: `CREATE TABLE IF NOT EXISTS ${t} (
      target text NOT NULL, key text NOT NULL, fingerprint text NOT NULL, locked_until bigint NOT NULL,
      ok boolean, data bytea, completed_at bigint, PRIMARY KEY (target, key))`,
  },
];

/**
 * The inbox of idempotent calls on PostgreSQL: a claim is one statement (an upsert that takes a new
 * key or one whose lock ran out, else reads the row), so that nodes sharing the schema agree on
 * which of them runs a key.
 *
 * @example
 * const inbox = postgresInbox({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 */
export class PostgresInbox implements InboxStore {
  readonly kind = "postgres";
  private readonly schema: string;
  private readonly t: string;
  private readonly claimSql: string;
  private migrated: Promise<void> | undefined;

  private readonly options: PostgresInboxOptions;

  constructor(options: PostgresInboxOptions) {
    // A lost database answers 503 TESSERA_UNAVAILABLE, not 500 (issue 17 follow-up, item 4).
    this.options = { ...options, pool: guardedPool(options.pool) };
    this.schema = ident(options.schema ?? "tessera");
    this.t = `${this.schema}.inbox`;
    this.claimSql = `WITH taken AS (
        INSERT INTO ${this.t} AS i (target, key, fingerprint, locked_until) VALUES ($1, $2, $3, $4::bigint + $5::bigint)
        ON CONFLICT (target, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, locked_until = EXCLUDED.locked_until
        WHERE i.completed_at IS NULL AND i.locked_until <= $4::bigint
        RETURNING 1)
      SELECT true AS claimed, NULL::text AS fingerprint, NULL::boolean AS ok, NULL::bytea AS data, NULL::bigint AS completed_at FROM taken
      UNION ALL
      SELECT false, fingerprint, ok, data, completed_at FROM ${this.t}
      WHERE target = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM taken)`;
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
    return migratePostgres(
      this.options.pool,
      this.schema,
      `${this.schema}.inbox_migrations`,
      inboxMigrations(this.t),
    );
  }

  async claim(
    target: string,
    key: string,
    fingerprint: string,
    now: number,
    lockMs: number,
  ): Promise<InboxClaim> {
    const { rows } = await this.options.pool.query<{
      claimed: boolean;
      fingerprint: string;
      ok: boolean | null;
      data: Buffer | null;
      completed_at: string | null;
    }>(await this.ready(this.claimSql), [target, key, fingerprint, now, Math.ceil(lockMs)]);
    const row = rows[0];
    if (row?.claimed) return { kind: "claimed" };
    if (row === undefined) return { kind: "busy", fingerprint };
    if (row.completed_at === null || row.data === null) return { kind: "busy", fingerprint: row.fingerprint };
    return {
      kind: "done",
      fingerprint: row.fingerprint,
      ok: row.ok === true,
      data: new Uint8Array(row.data),
    };
  }

  async complete(target: string, key: string, ok: boolean, data: Uint8Array, now: number): Promise<void> {
    await this.migrate();
    await this.options.pool.query(
      `UPDATE ${this.t} SET ok = $3, data = $4, completed_at = $5 WHERE target = $1 AND key = $2`,
      [target, key, ok, Buffer.from(data.buffer, data.byteOffset, data.byteLength), now],
    );
  }

  async release(target: string, key: string): Promise<void> {
    await this.migrate();
    await this.options.pool.query(
      `DELETE FROM ${this.t} WHERE target = $1 AND key = $2 AND completed_at IS NULL`,
      [target, key],
    );
  }

  async purge(before: number): Promise<number> {
    await this.migrate();
    const r = await this.options.pool.query(
      `DELETE FROM ${this.t} WHERE (completed_at IS NOT NULL AND completed_at < $1) OR (completed_at IS NULL AND locked_until < $1)`,
      [before],
    );
    return r.rowCount ?? 0;
  }

  /** One read of the table (created first if need be), for `/ready`. */
  async ping(): Promise<unknown> {
    return this.options.pool.query(await this.ready(`SELECT 1 FROM ${this.t} LIMIT 1`));
  }

  /** `sql`, once the table exists. */
  private async ready(sql: string): Promise<string> {
    await this.migrate();
    return sql;
  }

  async close(): Promise<void> {
    if (this.options.closePool) await this.options.pool.end();
  }
}

/** @example const inbox = postgresInbox({ pool, schema: "orders" }); await inbox.migrate(); */
export function postgresInbox(options: PostgresInboxOptions): PostgresInbox {
  return new PostgresInbox(options);
}
