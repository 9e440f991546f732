import { afterAll, describe, expect, it } from "vitest";
import { postgresEventStore } from "../../../src/adapters/postgres/index.js";
import { TesseraError } from "../../../src/index.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";

const up = await postgresAvailable();
const schema = testSchema("es_group_commit");
const pool = newPool(6);
afterAll(async () => {
  if (up) await dropSchema(pool, schema);
  await pool.end();
});

describe.skipIf(!up)("postgres group commit of appends", () => {
  it("commits the appends of a group whose version holds and refuses the others, each with its current version", async () => {
    await dropSchema(pool, schema);
    const store = postgresEventStore({ pool, schema, appendConcurrency: 1 });
    for (let i = 0; i < 40; i++)
      await store.append(`g-${i}`, [{ type: "seed", data: { i } }], { expectedVersion: 0 });
    // One statement in flight at a time: the appends below leave in a few groups, right and wrong mixed.
    const outcomes = await Promise.all(
      Array.from({ length: 120 }, async (_, k) => {
        const i = k % 40;
        const expected = k < 40 ? 1 : k < 80 ? 5 : 0;
        try {
          const r = await store.append(
            `g-${i}`,
            [
              { type: "a", data: { k } },
              { type: "b", data: { k } },
            ],
            {
              expectedVersion: expected,
            },
          );
          return { k, version: r.version, ids: r.events.map((e) => e.id) };
        } catch (err) {
          if (!(err instanceof TesseraError) || err.code !== "TESSERA_CONFLICT") throw err;
          return { k, conflict: (err.details as { currentVersion: number }).currentVersion };
        }
      }),
    );
    // Each stream was at 1: only the first append with expected 1 wins; the others learn 1 or 3.
    for (const o of outcomes.slice(0, 40)) expect(o).toMatchObject({ version: 3 });
    for (const o of outcomes.slice(40)) expect([1, 3]).toContain(o.conflict);
    for (let i = 0; i < 40; i++) {
      const events = await store.readStream(`g-${i}`);
      expect(events.map((e) => [e.version, e.type])).toEqual([
        [1, "seed"],
        [2, "a"],
        [3, "b"],
      ]);
      expect(events.slice(1).map((e) => e.id)).toEqual(outcomes[i]!.ids);
    }
    const all = await store.readAll();
    expect(all).toHaveLength(120);
    expect(all.map((e) => e.position)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    // A new stream in a group, and a stream that does not exist with a version expected.
    const [created, missing] = await Promise.allSettled([
      store.append("fresh", [{ type: "x", data: null }], { expectedVersion: 0 }),
      store.append("ghost", [{ type: "x", data: null }], { expectedVersion: 2 }),
    ]);
    expect(created).toMatchObject({ status: "fulfilled", value: { version: 1 } });
    expect(missing).toMatchObject({ status: "rejected", reason: { details: { currentVersion: 0 } } });
    await store.close();
  });
});
