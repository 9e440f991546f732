// Tesserae: a node serving `bench` over NATS, with discovery (the distributed configuration).
import { natsTransport } from "../../src/adapters/nats/index.js";
import { discovery } from "../../src/features/discovery/index.js";
import { createNode, silentLogger } from "../../src/index.js";
import { NATS_URL, serveUntilParentGoes } from "../lib/responder.js";
import { bench } from "../lib/tesserae.js";

const node = createNode({
  services: [bench],
  transport: natsTransport({ servers: NATS_URL, name: "bench-responder" }),
  logger: silentLogger,
  plugins: [discovery()],
});
await node.start();
serveUntilParentGoes(() => node.stop());
