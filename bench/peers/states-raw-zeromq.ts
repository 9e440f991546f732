// Raw ZeroMQ (zeromq 6): one XPUB bound on loopback, three SUB processes, JSON deltas — the floor
// under Tesserae's brokerless states. XPUB rather than PUB only so that the owner sees its three
// subscriptions arrive before it sends (a PUB drops what it sends before a SUB has joined).

import { XPublisher } from "zeromq";
import { directEndpoint } from "../lib/direct-endpoint.js";
import { delta, HOLDERS, measureFanOut } from "../lib/fan-out.js";

const endpoint = await directEndpoint();
// Never drops within the scenario's window (20,000 deltas ahead of the slowest holder at most).
const pub = new XPublisher({ verbosity: "allSubs", sendHighWaterMark: 100_000, linger: 0 });
await pub.bind(`tcp://${endpoint}`);

// zeromq allows one send in progress per socket: sends are queued and drained in order.
const queue: string[] = [];
let draining = false;
const drain = async () => {
  draining = true;
  for (let m = queue.shift(); m !== undefined; m = queue.shift()) await pub.send(m);
  draining = false;
};

await measureFanOut(
  "states-raw-zeromq-holder",
  (i) => {
    queue.push(JSON.stringify({ seq: i, data: delta(i) }));
    if (!draining) void drain();
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
