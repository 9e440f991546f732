// Tesserae: a deposit through `repository.update` on PostgreSQL (queued per stream in the process,
// written in batches; optimistic retries only against other processes).
import { aggregate, type DomainEvent, eventSourcing } from "../../src/features/eventsourcing/index.js";
import { measureContention } from "./es-contention.js";
import { benchEventStore } from "./tesserae-event-store.js";

export async function tesseraeContention(writers: number): Promise<void> {
  const { store } = await benchEventStore(`bench_tessera_hot_${writers}`);
  // Like Emmett's CommandHandler: no outbox, no projection, no snapshot.
  const account = aggregate("acc", {
    initial: () => 0,
    evolve: (n: number, e: DomainEvent<"Deposited", { amount: number }>) => n + e.data.amount,
    publish: "none",
  });
  const repo = eventSourcing({ store }).repository(account);
  const deposited = () => ({ type: "Deposited" as const, data: { amount: 1 } });
  await measureContention(
    writers,
    async (stream) => {
      if ((await store.streamVersion(account.streamOf(stream))) === 0)
        await repo.create(deposited, { id: stream });
      else await repo.update(stream, deposited);
    },
    async (stream) => (await repo.get(stream)).state,
  );
  await store.close();
}
