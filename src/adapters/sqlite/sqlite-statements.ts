import type { Database, Statement } from "better-sqlite3";
import type { SqlStatements } from "../../ports/sql-statements.js";

/** better-sqlite3 binds numbers, strings, bigints, buffers and null: the other usual values mapped. */
function bindable(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  return v;
}

/**
 * `tx.sql` of the SQLite store: statements on its database, run inside the transaction the store
 * holds open (prepared once per text, up to 200 kept).
 */
export class SqliteStatements implements SqlStatements {
  readonly dialect = "sqlite";
  private readonly prepared = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    let statement = this.prepared.get(text);
    if (statement === undefined) {
      if (this.prepared.size >= 200) this.prepared.clear();
      statement = this.db.prepare(text);
      this.prepared.set(text, statement);
    }
    const values = params.map(bindable);
    if (statement.reader) return statement.all(...values) as R[];
    statement.run(...values);
    return [];
  }
}
