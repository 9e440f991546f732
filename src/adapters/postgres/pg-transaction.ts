import type { Pool, PoolClient } from "pg";

/**
 * Runs `work` in a transaction on a client of the pool: committed when it resolves, rolled back
 * when it throws. A client whose rollback failed is destroyed rather than given back to the pool.
 *
 * @example
 * await inTransaction(pool, async (client) => client.query("UPDATE …"));
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
