// Raw nats.js: one publisher, three subscriber processes, JSON deltas (the floor under replicated states).
import { connect } from "@nats-io/transport-node";
import { delta, measureFanOut } from "../lib/fan-out.js";
import { NATS_URL } from "../lib/responder.js";

const nc = await connect({ servers: NATS_URL, name: "bench-raw-owner" });
const encoder = new TextEncoder();
await measureFanOut("states-raw-holder", (i) => {
  nc.publish("bench.raw.quotes", encoder.encode(JSON.stringify({ seq: i, data: delta(i) })));
});
await nc.close();
