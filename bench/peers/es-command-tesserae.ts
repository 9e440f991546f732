// Tesserae: a command through the repository (load the aggregate, decide, append with its version).
import { aggregate, type DomainEvent, eventSourcing } from "../../src/features/eventsourcing/index.js";
import { TesseraError } from "../../src/index.js";
import { measureAppends } from "../lib/event-store-load.js";
import { benchEventStore } from "../lib/tesserae-event-store.js";

const { store } = await benchEventStore();
// Like Emmett's CommandHandler: no outbox, no projection, no snapshot.
const account = aggregate("acc", {
  initial: () => 0,
  evolve: (n: number, e: DomainEvent<"Deposited", { amount: number }>) => n + e.data.amount,
  publish: "none",
});
const repo = eventSourcing({ store }).repository(account);
const deposit = () => ({ type: "Deposited" as const, data: { amount: 1 } });

await measureAppends(
  async (stream, expected) => {
    const entity = await repo.load(stream);
    if ((entity?.version ?? 0) !== expected) throw TesseraError.conflict("stale");
    const after =
      entity === undefined ? await repo.create(deposit, { id: stream }) : await repo.save(entity, deposit());
    return after.version;
  },
  { versionOf: (stream) => store.streamVersion(account.streamOf(stream)) },
);
await store.close();
