// Emmett: a command through `CommandHandler` (read the stream, decide, append with its version).
import { measureAppends } from "../lib/event-store-load.js";
import { load } from "../lib/load.js";
import { benchDatabaseUrl } from "../lib/postgres.js";

interface Deposited {
  type: "Deposited";
  data: { amount: number };
}
interface EmmettStore {
  readStream(stream: string): Promise<{ currentStreamVersion: bigint }>;
  close(): Promise<void>;
}
type Handle = (
  store: EmmettStore,
  id: string,
  decide: (state: number) => Deposited,
  options?: { expectedStreamVersion: bigint },
) => Promise<{ nextExpectedStreamVersion: bigint }>;

const url = await benchDatabaseUrl("emmett", true);
const { getPostgreSQLEventStore } = await load<{ getPostgreSQLEventStore(url: string): EmmettStore }>(
  "@event-driven-io/emmett-postgresql",
);
const { CommandHandler } = await load<{
  CommandHandler(options: {
    evolve: (s: number, e: Deposited) => number;
    initialState: () => number;
  }): Handle;
}>("@event-driven-io/emmett");
const store = getPostgreSQLEventStore(url);
const handle = CommandHandler({ evolve: (s, e) => s + e.data.amount, initialState: () => 0 });
const deposit = (): Deposited => ({ type: "Deposited", data: { amount: 1 } });

await measureAppends(
  async (stream, expected) => {
    const r = await handle(store, stream, deposit, { expectedStreamVersion: BigInt(expected) });
    return Number(r.nextExpectedStreamVersion);
  },
  { versionOf: async (stream) => Number((await store.readStream(stream)).currentStreamVersion) },
);
await store.close();
