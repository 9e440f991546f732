// Tesserae's replicated state over direct ZeroMQ links, no broker (issue 18): the owner listens on
// a loopback port, its three holder processes connect to it (as `tesserae start` does with an
// addresses file of host:port endpoints). No write-behind: there is no broker to keep the value.

import { zeromqTransport } from "../../src/adapters/zeromq/index.js";
import { owns, replicatedStates } from "../../src/features/states/index.js";
import { createNode, service, silentLogger } from "../../src/index.js";
import { directEndpoint } from "../lib/direct-endpoint.js";
import { delta, measureFanOut } from "../lib/fan-out.js";
import { benchQuotes } from "./states-tesserae-state.js";

const endpoint = await directEndpoint();
const owner = service("bench-owner", { uses: [owns(benchQuotes)] });
const node = createNode({
  services: [owner],
  transport: zeromqTransport({ bind: [endpoint] }),
  plugins: [replicatedStates()],
  logger: silentLogger,
});
await node.start();
const quotes = node.use(benchQuotes, "bench-owner");
await measureFanOut("states-tesserae-holder", (i) => {
  quotes.patch(delta(i)).catch(() => undefined);
});
await node.stop();
