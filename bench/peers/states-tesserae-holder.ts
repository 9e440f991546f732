// A Tesserae holder: a live copy kept by the delta protocol; the change callback counts and times.
// On NATS, or over a direct ZeroMQ link to the owner when it names its endpoint (states-tesserae-zeromq).

import { natsTransport } from "../../src/adapters/nats/index.js";
import { zeromqTransport } from "../../src/adapters/zeromq/index.js";
import { holds, replicatedStates } from "../../src/features/states/index.js";
import { createNode, service, silentLogger } from "../../src/index.js";
import { ownerEndpoint } from "../lib/direct-endpoint.js";
import { announceHolder, serveHolder } from "../lib/fan-out.js";
import { NATS_URL } from "../lib/responder.js";
import { benchQuotes } from "./states-tesserae-state.js";

const id = process.env.BENCH_HOLDER ?? "h?";
const probe = await serveHolder(id);
// Deltas are counted by the owner's number from the first snapshot on (a resynchronisation skips ahead).
let base: number | undefined;
const holder = service(`bench-${id}`, {
  uses: [
    holds(benchQuotes, {
      onChange: (change) => {
        base ??= change.seq;
        probe.applied(change.seq - base);
        if (change.kind === "delta") probe.latency((change.delta as { t: number }).t);
      },
    }),
  ],
});
const node = createNode({
  services: [holder],
  transport: (() => {
    const endpoint = ownerEndpoint();
    return endpoint === undefined
      ? natsTransport({ servers: NATS_URL, name: `bench-states-${id}` })
      : zeromqTransport({ connect: [endpoint] });
  })(),
  plugins: [replicatedStates()],
  logger: silentLogger,
});
await node.start();
announceHolder();
