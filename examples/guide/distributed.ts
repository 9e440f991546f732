import { createNode, serve } from "tesserae";
import { discovery } from "tesserae/discovery";
import { natsTransport } from "tesserae/nats";
import { pipeline, text } from "../text/services.js";

// The same services, now one node per process. Every node knows every definition; `run` says
// which of them this process serves (here from an environment variable: "text", "pipeline" or "").
const run = (process.env.RUN ?? "text,pipeline").split(",").filter((name) => name !== "");

const node = createNode({
  services: [text, pipeline],
  run, // [] makes a pure gateway node: same routes, validation and auth, served by the others
  transport: natsTransport({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" }),
  plugins: [discovery({ heartbeatMs: 1000, missedHeartbeats: 3 })],
});

// GET /registry lists the live nodes; GET /ready reports the broker connection.
await serve(node, { port: Number(process.env.PORT ?? 3000), handleSignals: true });
