// Tesserae: a typed `node.call` to `bench.user` served by a node in another process, over NATS.
import { natsTransport } from "../../src/adapters/nats/index.js";
import { discovery } from "../../src/features/discovery/index.js";
import { createNode, silentLogger } from "../../src/index.js";
import { measureRemoteCalls } from "../lib/remote-caller.js";
import { NATS_URL, startResponder } from "../lib/responder.js";
import { bench } from "../lib/tesserae.js";
import type { User } from "../lib/workload.js";

const responder = await startResponder("remote-tesserae-server");
// Knows `bench` from its definition, runs none of it: every call goes to the other process.
const node = createNode({
  services: [bench],
  run: [],
  transport: natsTransport({ servers: NATS_URL, name: "bench-caller" }),
  logger: silentLogger,
  plugins: [discovery()],
});
await node.start();
while (node.registry.instances("bench").length === 0) await new Promise((r) => setTimeout(r, 20));
await measureRemoteCalls((input) => node.call(bench.entries.user, input as User));
await node.stop();
await responder.stop();
