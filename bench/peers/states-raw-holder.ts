// A raw nats.js subscriber: parses each delta and merges it into its copy.
import { connect } from "@nats-io/transport-node";
import { announceHolder, serveHolder } from "../lib/fan-out.js";
import { NATS_URL } from "../lib/responder.js";

const probe = await serveHolder(process.env.BENCH_HOLDER ?? "h?");
const nc = await connect({ servers: NATS_URL, name: "bench-raw-holder" });
const decoder = new TextDecoder();
let copy: Record<string, number> = {};
let n = 0;
nc.subscribe("bench.raw.quotes", {
  callback: (_err, msg) => {
    const m = JSON.parse(decoder.decode(msg.data)) as { seq: number; data: Record<string, number> };
    copy = { ...copy, ...m.data };
    probe.applied(++n);
    probe.latency(m.data.t!);
  },
});
await nc.flush();
announceHolder();
