// Tesserae: `store.append` of the PostgreSQL event store with an expected version.
import { measureAppends } from "../lib/event-store-load.js";
import { benchEventStore } from "../lib/tesserae-event-store.js";

const { store } = await benchEventStore();
await measureAppends(
  async (stream, expected) =>
    (await store.append(stream, [{ type: "Deposited", data: { amount: 1 } }], { expectedVersion: expected }))
      .version,
  { versionOf: (stream) => store.streamVersion(stream) },
);
await store.close();
