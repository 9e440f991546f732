// Tesserae: a gateway node running no service, routing HTTP to `bench` on a node in another process.
import { natsTransport } from "../../src/adapters/nats/index.js";
import { discovery } from "../../src/features/discovery/index.js";
import { createNode, serve, silentLogger } from "../../src/index.js";
import { announceServer } from "../lib/peer-process.js";
import { NATS_URL, startResponder } from "../lib/responder.js";
import { bench } from "../lib/tesserae.js";

const responder = await startResponder("remote-tesserae-server");
const node = createNode({
  services: [bench],
  run: [],
  transport: natsTransport({ servers: NATS_URL, name: "bench-gateway" }),
  logger: silentLogger,
  plugins: [discovery()],
});
await node.start();
while (node.registry.instances("bench").length === 0) await new Promise((r) => setTimeout(r, 20));
const server = await serve(node, { port: 0, host: "127.0.0.1" });
announceServer(server.url, async () => {
  await server.close();
  await responder.stop();
});
