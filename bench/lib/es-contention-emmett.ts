// Emmett: a deposit through `CommandHandler` on emmett-postgresql, with its retry on version
// conflicts (`retry: { onVersionConflict: true }`: its defaults, 3 retries from 100 ms).

import { measureContention } from "./es-contention.js";
import { load } from "./load.js";
import { benchDatabaseUrl } from "./postgres.js";

interface Deposited {
  type: "Deposited";
  data: { amount: number };
}
interface EmmettStore {
  close(): Promise<void>;
}
type Handle = (
  store: EmmettStore,
  id: string,
  decide: (state: number) => Deposited,
) => Promise<{ newState: number }>;

export async function emmettContention(writers: number): Promise<void> {
  const url = await benchDatabaseUrl("emmett", true);
  const { getPostgreSQLEventStore } = await load<{ getPostgreSQLEventStore(url: string): EmmettStore }>(
    "@event-driven-io/emmett-postgresql",
  );
  const { CommandHandler } = await load<{
    CommandHandler(options: {
      evolve: (s: number, e: Deposited) => number;
      initialState: () => number;
      retry: { onVersionConflict: true };
    }): Handle;
  }>("@event-driven-io/emmett");
  const store = getPostgreSQLEventStore(url);
  const handle = CommandHandler({
    evolve: (s, e) => s + e.data.amount,
    initialState: () => 0,
    retry: { onVersionConflict: true },
  });
  const deposit = (): Deposited => ({ type: "Deposited", data: { amount: 1 } });
  await measureContention(
    writers,
    async (stream) => {
      await handle(store, stream, deposit);
    },
    // A command that decides nothing returns the stream's state.
    async (stream) => (await handle(store, stream, () => [] as unknown as Deposited)).newState,
  );
  await store.close();
}
