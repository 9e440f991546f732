// The replicated-states scenario (issue 9): one owner, three holder processes, over NATS.
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
];
