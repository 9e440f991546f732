// Tesserae: the es-append load with an async projection following the global log. The result's
// p50/p99 are the projection's lag: from an event's commit to the projection applying it.
import {
  aggregate,
  type DomainEvent,
  eventSourcing,
  projection,
} from "../../src/features/eventsourcing/index.js";
import { measureAppends, percentiles } from "../lib/event-store-load.js";
import { benchEventStore } from "../lib/tesserae-event-store.js";

const { store } = await benchEventStore("bench_tessera_lag");
const bench = aggregate("bench", {
  initial: () => 0,
  evolve: (n: number, _e: DomainEvent<"Deposited", { amount: number }>) => n + 1,
});
const lags: number[] = [];
const balances = projection({
  name: "balances",
  from: bench,
  collections: ["balances"],
  batchSize: 2000,
  prefetch: (e) => ["balances", e.aggregateId],
  async handle(e, docs) {
    const doc = (await docs.get<{ balance: number }>("balances", e.aggregateId)) ?? { balance: 0 };
    await docs.put("balances", e.aggregateId, {
      balance: doc.balance + (e.type === "Deposited" ? e.data.amount : 0),
    });
    lags.push(Date.now() - e.recordedAt.getTime());
  },
});
const es = eventSourcing({ store, projections: [balances] });
await es.start();
await measureAppends(
  async (stream, expected) =>
    (
      await store.append(`bench-${stream}`, [{ type: "Deposited", data: { amount: 1 } }], {
        expectedVersion: expected,
      })
    ).version,
  {
    versionOf: (stream) => store.streamVersion(`bench-${stream}`),
    // The lag of the measured part only (the warm-up's first events wait for the schema and the JIT).
    extra: () => percentiles(lags.slice(Math.floor(lags.length / 4))),
  },
);
await es.stop();
await store.close();
