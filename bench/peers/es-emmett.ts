// Emmett: `appendToStream` of @event-driven-io/emmett-postgresql with an expected stream version.
import { measureAppends } from "../lib/event-store-load.js";
import { load } from "../lib/load.js";
import { benchDatabaseUrl } from "../lib/postgres.js";

interface EmmettStore {
  appendToStream(
    stream: string,
    events: { type: string; data: unknown }[],
    options: { expectedStreamVersion: bigint },
  ): Promise<{ nextExpectedStreamVersion: bigint }>;
  readStream(stream: string): Promise<{ currentStreamVersion: bigint }>;
  close(): Promise<void>;
}

// Emmett keeps its tables and functions in the public schema: a database of its own, new each run.
const url = await benchDatabaseUrl("emmett", true);

const { getPostgreSQLEventStore } = await load<{
  getPostgreSQLEventStore(connectionString: string): EmmettStore;
}>("@event-driven-io/emmett-postgresql");
const store = getPostgreSQLEventStore(url);

await measureAppends(
  async (stream, expected) => {
    const r = await store.appendToStream(stream, [{ type: "Deposited", data: { amount: 1 } }], {
      expectedStreamVersion: BigInt(expected),
    });
    return Number(r.nextExpectedStreamVersion);
  },
  { versionOf: async (stream) => Number((await store.readStream(stream)).currentStreamVersion) },
);
await store.close();
