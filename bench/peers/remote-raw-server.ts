// Raw nats.js: a subscription that parses the request and publishes the reply (no validation).
import { connect } from "@nats-io/transport-node";
import { NATS_URL, serveUntilParentGoes } from "../lib/responder.js";
import { type User, userReply } from "../lib/workload.js";

const nc = await connect({ servers: NATS_URL, name: "bench-raw-responder" });
const decoder = new TextDecoder();
const encoder = new TextEncoder();
nc.subscribe("bench.raw.user", {
  queue: "bench",
  callback: (_err, msg) => {
    if (msg.reply === undefined) return;
    const user = JSON.parse(decoder.decode(msg.data)) as User;
    nc.publish(msg.reply, encoder.encode(JSON.stringify(userReply(user))));
  },
});
await nc.flush();
serveUntilParentGoes(() => nc.drain());
