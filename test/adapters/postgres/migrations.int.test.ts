import { afterAll, describe, expect, it } from "vitest";
import {
  postgresDeclaredFlowStore,
  postgresEventStore,
  postgresFlowStore,
} from "../../../src/adapters/postgres/index.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";

const up = await postgresAvailable();
// Two pools: two processes starting at the same time.
const [a, b] = [newPool(4), newPool(4)];
afterAll(() => Promise.all([a.end(), b.end()]));

const versions = async (table: string) =>
  (await a.query<{ version: number }>(`SELECT version FROM ${table} ORDER BY version`)).rows.map(
    (r) => r.version,
  );

describe.skipIf(!up)("PostgreSQL migrations", () => {
  it("are applied once when every store of two processes migrates the same schema at once", async () => {
    const schema = testSchema("migrations", 1);
    await dropSchema(a, schema);
    const stores = [a, b, a, b].flatMap((pool) => [
      postgresFlowStore({ pool, schema }),
      postgresDeclaredFlowStore({ pool, schema }),
      postgresEventStore({ pool, schema }),
    ]);
    await Promise.all(stores.map((s) => s.migrate()));
    // The flow store's migration 2: the journal's position column (parallel branches, issue 14).
    expect(await versions(`"${schema}".flow_migrations`)).toEqual([1, 2, 3, 4, 5]);
    expect(await versions(`"${schema}".declared_migrations`)).toEqual([1]);
    // The event store's migration 2: the projection runners' leases (issue 15, item 5).
    expect(await versions(`"${schema}".es_migrations`)).toEqual([1, 2]);
    await dropSchema(a, schema);
  });

  it("keep an event store created before they were versioned (migration 1 is its schema)", async () => {
    const schema = testSchema("migrations", 2);
    await dropSchema(a, schema);
    const old = postgresEventStore({ pool: a, schema });
    await old.append("account-1", [{ type: "opened", data: { owner: "Ada" } }], { expectedVersion: 0 });
    // What the store left before its migrations were versioned: the same tables, no migrations table.
    await a.query(`DROP TABLE "${schema}".es_migrations`);

    const store = postgresEventStore({ pool: b, schema });
    await store.append("account-1", [{ type: "deposited", data: { amount: 5 } }], { expectedVersion: 1 });
    expect((await store.readStream("account-1")).map((e) => e.type)).toEqual(["opened", "deposited"]);
    expect(await versions(`"${schema}".es_migrations`)).toEqual([1, 2]);
    await dropSchema(a, schema);
  });
});
