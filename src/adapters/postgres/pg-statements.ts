import type { SqlStatements } from "../../ports/sql-statements.js";

/** `tx.sql` of the PostgreSQL store: statements on the client that holds the transaction open. */
/** What it needs of a `pg` client: parameterised queries. */
interface Client {
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export class PgStatements implements SqlStatements {
  readonly dialect = "postgres";

  constructor(private readonly client: Client) {}

  async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.client.query<R>(text, [...params])).rows;
  }
}
