import { afterAll, describe, expect, it } from "vitest";
import { postgresEventStore } from "../../../src/adapters/postgres/index.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";

// Found by an outside user: a projection rebuild beside a runner updating the same rows failed 15
// of 25 times with a raw `40P01 deadlock detected`. PostgreSQL rolls the whole transaction back, so
// the store runs it again.
const up = await postgresAvailable();
const pool = up ? newPool() : undefined;
const schema = testSchema("deadlock-retry");

afterAll(async () => {
  if (pool !== undefined) {
    await dropSchema(pool, schema);
    await pool.end();
  }
});

describe.skipIf(!up)("PostgreSQL event store transactions", () => {
  it("a transaction chosen as a deadlock victim ran no further: it is run again and both commit", async () => {
    const store = postgresEventStore({ pool: pool!, schema });
    await store.migrate();
    await pool!.query(`CREATE TABLE ${schema}.rows (id int PRIMARY KEY, n int NOT NULL)`);
    await pool!.query(`INSERT INTO ${schema}.rows VALUES (1, 0), (2, 0)`);
    let arrived = 0;
    let release!: () => void;
    const both = new Promise<void>((r) => {
      release = r;
    });
    let runs = 0;
    // Each locks one row, waits for the other to lock its own, then wants the other's: a deadlock.
    const crossing = (first: number, second: number) =>
      store.transaction(async (tx) => {
        runs++;
        await tx.sql!.query(`UPDATE ${schema}.rows SET n = n + 1 WHERE id = $1`, [first]);
        if (++arrived === 2) release();
        await both;
        await tx.sql!.query(`UPDATE ${schema}.rows SET n = n + 1 WHERE id = $1`, [second]);
      });
    await Promise.all([crossing(1, 2), crossing(2, 1)]);
    expect(runs).toBe(3);
    const { rows } = await pool!.query(`SELECT id, n FROM ${schema}.rows ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
  });
});
