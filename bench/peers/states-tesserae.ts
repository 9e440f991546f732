// Tesserae: the owner of a replicated state (patch per delta, checked by zod, written behind to
// JetStream) and three holder processes applying the delta protocol, on the NATS transport.

import { natsTransport } from "../../src/adapters/nats/index.js";
import { owns, replicatedStates } from "../../src/features/states/index.js";
import { createNode, service, silentLogger } from "../../src/index.js";
import { delta, measureFanOut } from "../lib/fan-out.js";
import { NATS_URL } from "../lib/responder.js";
import { benchQuotes } from "./states-tesserae-state.js";

const owner = service("bench-owner", { uses: [owns(benchQuotes)] });
const node = createNode({
  services: [owner],
  transport: natsTransport({ servers: NATS_URL, name: "bench-states-owner" }),
  plugins: [replicatedStates()],
  logger: silentLogger,
});
await node.start();
const quotes = node.use(benchQuotes, "bench-owner");
await measureFanOut("states-tesserae-holder", (i) => {
  quotes.patch(delta(i)).catch(() => undefined);
});
await node.stop();
