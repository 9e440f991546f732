// Raw ZeroMQ (zeromq 6), batched: as states-raw-zeromq (one XPUB, three SUB processes, JSON
// deltas), but the deltas of one turn of the event loop go out as one message, one per line — the
// coalescing a ZeroMQ user writes by hand, and what Tesserae's links do. The ceiling for this workload.

import { XPublisher } from "zeromq";
import { directEndpoint } from "../lib/direct-endpoint.js";
import { delta, HOLDERS, measureFanOut } from "../lib/fan-out.js";

const endpoint = await directEndpoint();
const pub = new XPublisher({ verbosity: "allSubs", sendHighWaterMark: 100_000, linger: 0 });
await pub.bind(`tcp://${endpoint}`);

// The deltas of this turn; one message per turn, sent in order (one send in progress per socket).
let pending: string[] = [];
const batches: string[] = [];
let scheduled = false;
let draining = false;
const drain = async () => {
  draining = true;
  for (let m = batches.shift(); m !== undefined; m = batches.shift()) await pub.send(m);
  draining = false;
};
const flush = () => {
  scheduled = false;
  batches.push(pending.join("\n"));
  pending = [];
  if (!draining) void drain();
};

await measureFanOut(
  "states-raw-zeromq-batched-holder",
  (i) => {
    pending.push(JSON.stringify({ seq: i, data: delta(i) }));
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  },
  async () => {
    let joined = 0;
    while (joined < HOLDERS) {
      const [frame] = await pub.receive();
      if (frame?.[0] === 1) joined++; // a subscription (0 would be an unsubscription)
    }
  },
);
pub.close();
