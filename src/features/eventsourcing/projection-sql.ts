import { TesseraError } from "../../core/errors.js";
import type { EventStore, EventStoreTransaction } from "../../ports/event-store.js";
import type { SqlDialect, SqlStatements } from "../../ports/sql-statements.js";

/** A statement for every dialect, or one text per dialect where they differ. */
export type SqlText = string | { readonly sqlite: string; readonly postgres: string };

/** The tables a SQL projection keeps in the store's database. */
export interface ProjectionTables {
  /**
   * Creates and changes its tables: each statement runs once, in order, in one transaction with the
   * count of those applied (kept as the checkpoint `tables:<name>`). Add statements, never edit one
   * that has run.
   */
  readonly migrations: readonly SqlText[];
  /** Empties its tables for a rebuild (`DELETE FROM balances`), in the rebuild's transaction. */
  readonly reset: readonly SqlText[];
}

/**
 * Statements on the store's database inside the batch's (or the append's) transaction: as a tagged
 * template, whose values become parameters, or `sql.query(text, params)` in the store's own
 * placeholder syntax.
 *
 * @example
 * await sql`INSERT INTO balances (id, owner, cents) VALUES (${e.aggregateId}, ${e.data.owner}, 0)`;
 * const rows = await sql<{ cents: number }>`SELECT cents FROM balances WHERE id = ${e.aggregateId}`;
 */
export interface Sql {
  <R = Record<string, unknown>>(strings: TemplateStringsArray, ...values: readonly unknown[]): Promise<R[]>;
  readonly dialect: SqlDialect;
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

interface SqlProjection {
  readonly name: string;
  readonly tables?: ProjectionTables;
}

export const tablesCheckpoint = (p: SqlProjection) => `tables:${p.name}`;

const textOf = (t: SqlText, dialect: SqlDialect) => (typeof t === "string" ? t : t[dialect]);

function handle(
  run: (text: string, params: readonly unknown[]) => Promise<unknown[]>,
  dialect: SqlDialect,
): Sql {
  const tag = (strings: TemplateStringsArray, ...values: readonly unknown[]) => {
    let text = strings[0] ?? "";
    for (let i = 1; i < strings.length; i++) text += `${dialect === "postgres" ? `$${i}` : "?"}${strings[i]}`;
    return run(text, values);
  };
  return Object.assign(tag, {
    dialect,
    query: (text: string, params: readonly unknown[] = []) => run(text, params),
  }) as Sql;
}

/** Applies the projection's migrations not applied yet, in `tx`: the count moves first (a lock). */
export async function migrateTables(p: SqlProjection, tx: EventStoreTransaction): Promise<void> {
  const migrations = p.tables?.migrations ?? [];
  const statements = tx.sql;
  if (migrations.length === 0 || statements === undefined) return;
  const name = tablesCheckpoint(p);
  const applied = await tx.loadCheckpoint(name);
  if (applied >= migrations.length) return;
  await tx.saveCheckpoint(name, migrations.length, applied);
  for (const m of migrations.slice(applied)) await statements.query(textOf(m, statements.dialect));
}

/** Runs the projection's `reset` statements in `tx` (its tables migrated first). */
export async function resetTables(p: SqlProjection, tx: EventStoreTransaction): Promise<void> {
  const statements = tx.sql;
  if (p.tables === undefined || statements === undefined) return;
  await migrateTables(p, tx);
  for (const r of p.tables.reset) await statements.query(textOf(r, statements.dialect));
}

/**
 * The `sql` a projection's handler gets in `tx`. Its first statement in a transaction checks the
 * projection's migrations (one read), so that an inline projection used before `es.start()` finds
 * its tables. A projection that declares no `tables` is refused at its first statement.
 */
export function sqlFor(p: SqlProjection, tx: EventStoreTransaction): Sql {
  const statements: SqlStatements | undefined = tx.sql;
  let migrated: Promise<void> | undefined;
  const run = async (text: string, params: readonly unknown[]) => {
    if (p.tables === undefined || statements === undefined)
      throw TesseraError.definition(
        p.name,
        `projection ${p.name} uses sql: declare its tables ({ migrations, reset }) on a SQLite or PostgreSQL store`,
      );
    migrated ??= migrateTables(p, tx);
    await migrated;
    return statements.query(text, params);
  };
  return handle(run, statements?.dialect ?? "sqlite");
}

/** Refuses SQL projections on a store without SQL (the memory store), when the runtime is made. */
export function assertSqlStore(store: EventStore, projections: readonly SqlProjection[]): void {
  const p = projections.find((q) => q.tables !== undefined);
  if (p !== undefined && store.sqlDialect === undefined)
    throw TesseraError.definition(
      p.name,
      `projection ${p.name} keeps SQL tables, and the ${store.kind} event store has no SQL database: use the SQLite store (new Database(":memory:") in tests) or PostgreSQL`,
    );
}

/** Applies every SQL projection's pending migrations, in one transaction (retried once on a race). */
export async function setupTables(store: EventStore, projections: readonly SqlProjection[]): Promise<void> {
  const sqlOnes = projections.filter((p) => p.tables !== undefined);
  if (sqlOnes.length === 0) return;
  const once = () =>
    store.transaction(async (tx) => {
      for (const p of sqlOnes) await migrateTables(p, tx);
    });
  await once().catch((err: unknown) => {
    if ((err as { code?: unknown }).code === "TESSERA_CONFLICT") return once();
    throw err;
  });
}
