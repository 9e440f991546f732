import { natsTransport } from "../../../src/adapters/nats/index.js";
import { durableContract } from "../../contract/durable-contract.js";
import { transportContract } from "../../contract/transport-contract.js";
import { deleteStreams, testStreamPrefix } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  transportContract("nats", async () => {
    const a = natsTransport({ servers: NATS_URL, name: "contract-a" });
    const b = natsTransport({ servers: NATS_URL, name: "contract-b" });
    return {
      a,
      b,
      cleanup: async () => {
        await a.close();
        await b.close();
      },
    };
  });

  durableContract("nats jetstream", async () => {
    const streamPrefix = testStreamPrefix();
    const a = natsTransport({ servers: NATS_URL, name: "durable-a", jetstream: { streamPrefix } });
    const b = natsTransport({ servers: NATS_URL, name: "durable-b", jetstream: { streamPrefix } });
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
