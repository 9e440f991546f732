import { natsTransport } from "../../../src/adapters/nats/index.js";
import { lastValuesContract } from "../../contract/last-values-contract.js";
import { deleteStreams, testStreamPrefix } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  lastValuesContract("nats jetstream", async () => {
    const streamPrefix = testStreamPrefix();
    const a = natsTransport({ servers: NATS_URL, name: "last-a", jetstream: { streamPrefix } });
    const b = natsTransport({ servers: NATS_URL, name: "last-b", jetstream: { streamPrefix } });
    return {
      a,
      b,
      cleanup: async () => {
        await a.close();
        await b.close();
        await deleteStreams(NATS_URL, streamPrefix);
      },
    };
  });
}
