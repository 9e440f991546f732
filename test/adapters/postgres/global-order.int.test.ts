import { afterAll, describe, expect, it } from "vitest";
import { postgresEventStore } from "../../../src/adapters/postgres/index.js";
import type { RecordedEvent } from "../../../src/features/eventsourcing/index.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";

const up = await postgresAvailable();
const schema = testSchema("es_global_order");
const pools = [newPool(8), newPool(8), newPool(8), newPool(4)];
afterAll(async () => {
  if (up) await dropSchema(pools[0]!, schema);
  await Promise.all(pools.map((p) => p.end()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!up)("postgres global order", () => {
  it("delivers every event once, at dense increasing positions, while writers on three pools commit out of order", async () => {
    await dropSchema(pools[0]!, schema);
    const [a, b, c, reader] = pools.map((pool) => postgresEventStore({ pool, schema }));
    await a!.migrate();
    const seen: RecordedEvent[] = [];
    const sub = reader!.subscribe({ handle: (batch) => void seen.push(...batch), pollMs: 5, batchSize: 50 });
    const writers = [a!, b!, c!];
    let appended = 0;
    await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const store = writers[i % 3]!;
        const stream = `s-${i % 25}`;
        if (i % 4 === 0) {
          // A transaction that holds its events a while before committing: later ones overtake it.
          await store.transaction(async (tx) => {
            await tx.append(stream, [{ type: "held", data: { i } }]);
            await tx.append(`other-${i % 7}`, [{ type: "held", data: { i } }]);
            await sleep(Math.random() * 40);
          });
          appended += 2;
        } else {
          await store.append(stream, [
            { type: "quick", data: { i } },
            { type: "quick", data: { i } },
          ]);
          appended += 2;
        }
      }),
    );
    await sub.caughtUp();
    await sub.stop();
    expect(seen.map((e) => e.position)).toEqual(Array.from({ length: appended }, (_, i) => i + 1));
    expect(new Set(seen.map((e) => e.id)).size).toBe(appended);
    const versions = new Map<string, number>();
    for (const e of seen) {
      expect(e.version).toBe((versions.get(e.stream) ?? 0) + 1);
      versions.set(e.stream, e.version);
    }
  }, 60_000);
});
