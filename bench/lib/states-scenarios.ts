// The replicated-states scenarios: one owner, three holder processes, over NATS (issue 9) and over
// direct ZeroMQ links with no broker (issue 18).
import type { Scenario } from "./scenarios.js";

export const stateScenarios: readonly Scenario[] = [
  {
    kind: "call",
    name: "states",
    title:
      "Deltas from one owner to three holder processes over NATS (deltas every holder applied; p99 = update to holder callback at 2,000/s)",
    pinned: false,
    unit: "deltas/s",
    peers: [
      { name: "nats.js", file: "states-raw.ts", validates: false, note: "raw publish, JSON.parse and merge" },
      {
        name: "tesserae",
        file: "states-tesserae.ts",
        note: "patch (zod), delta protocol, JetStream write-behind",
      },
    ],
  },
  {
    kind: "call",
    name: "states-direct",
    title:
      "The states scenario without a broker: Tesserae over direct ZeroMQ links beside Tesserae on NATS, raw NATS and raw ZeroMQ, per message and batched (deltas every holder applied; p99 = update to holder callback at 2,000/s)",
    pinned: false,
    unit: "deltas/s",
    peers: [
      { name: "nats.js", file: "states-raw.ts", validates: false, note: "raw publish, JSON.parse and merge" },
      {
        name: "zeromq.js",
        file: "states-raw-zeromq.ts",
        validates: false,
        note: "raw XPUB → 3 SUB, JSON.parse and merge",
      },
      {
        name: "zeromq.js batched",
        file: "states-raw-zeromq-batched.ts",
        validates: false,
        note: "raw XPUB → 3 SUB, the deltas of one turn in one message",
      },
      {
        name: "tesserae (NATS)",
        file: "states-tesserae.ts",
        note: "patch (zod), delta protocol, JetStream write-behind",
      },
      {
        name: "tesserae",
        file: "states-tesserae-zeromq.ts",
        note: "patch (zod), delta protocol, direct ZeroMQ links, no broker",
      },
    ],
  },
];
