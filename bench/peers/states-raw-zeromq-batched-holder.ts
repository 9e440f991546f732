// A raw ZeroMQ subscriber of batched deltas (one per line): parses each and merges it into its copy.
import { Subscriber } from "zeromq";
import { ownerEndpoint } from "../lib/direct-endpoint.js";
import { announceHolder, serveHolder } from "../lib/fan-out.js";

const probe = await serveHolder(process.env.BENCH_HOLDER ?? "h?");
const sub = new Subscriber({ receiveHighWaterMark: 100_000 });
sub.connect(`tcp://${ownerEndpoint()}`);
sub.subscribe();
const decoder = new TextDecoder();
const copy: Record<string, number> = {};
let n = 0;
void (async () => {
  for await (const [frame] of sub) {
    for (const line of decoder.decode(frame).split("\n")) {
      const m = JSON.parse(line) as { seq: number; data: Record<string, number> };
      // In place, as a Tesserae holder merges a delta (a spread of the 101 keys would cost more than the rest).
      Object.assign(copy, m.data);
      probe.applied(++n);
      probe.latency(m.data.t!);
    }
  }
})();
announceHolder();
