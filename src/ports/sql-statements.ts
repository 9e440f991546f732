/** The SQL dialects of the stores that give projections tables of their own. */
export type SqlDialect = "sqlite" | "postgres";

/**
 * Statements on the event store's own database, inside one of its transactions (the SQLite and
 * PostgreSQL stores; the memory store has none). What a SQL projection writes with: its rows
 * commit with the batch's checkpoint, or not at all.
 *
 * @example
 * await tx.sql?.query("INSERT INTO balances (id, cents) VALUES ($1, $2)", [id, 0]); // PostgreSQL
 */
export interface SqlStatements {
  readonly dialect: SqlDialect;
  /**
   * Runs one parameterised statement, in the store's placeholder syntax (`$1`… on PostgreSQL, `?`
   * on SQLite), and returns its rows (none for a statement that returns none).
   */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}
