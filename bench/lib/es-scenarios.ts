// The event-store scenarios (issue 7): Tesserae's PostgreSQL event store beside Emmett's, on the same server.
import type { Scenario } from "./scenarios.js";

export const eventStoreScenarios: readonly Scenario[] = [
  {
    kind: "call",
    name: "es-append",
    title:
      "Appends of one small event with an expected version, 100 streams written concurrently (PostgreSQL; calls/s = appends/s)",
    pinned: false,
    peers: [
      {
        name: "emmett",
        file: "es-emmett.ts",
        target: 1.5,
        note: "emmett-postgresql 0.42 appendToStream, pool of 10",
      },
      { name: "tesserae", file: "es-tesserae.ts", note: "store.append, pool of 10" },
    ],
  },
  {
    kind: "call",
    name: "es-command",
    title:
      "Commands: read the stream, decide one event, append with its version, 100 streams concurrently (calls/s = commands/s)",
    pinned: false,
    peers: [
      { name: "emmett", file: "es-command-emmett.ts", note: "CommandHandler, pool of 10" },
      { name: "tesserae", file: "es-command-tesserae.ts", note: "repository load + save, pool of 10" },
    ],
  },
  {
    kind: "call",
    name: "es-command-100",
    title:
      "Commands on 10 hot streams, 100 in flight (deposits of 1; calls/s = commands that succeeded/s; p99 = one command)",
    pinned: false,
    peers: [
      {
        name: "emmett",
        file: "es-hot-emmett-100.ts",
        note: "CommandHandler, retry onVersionConflict (3 from 100 ms), pool of 10",
      },
      { name: "tesserae", file: "es-hot-tesserae-100.ts", note: "repository.update, pool of 10" },
    ],
  },
  {
    kind: "call",
    name: "es-command-1000",
    title:
      "Commands on 10 hot streams, 1,000 in flight (deposits of 1; calls/s = commands that succeeded/s; p99 = one command)",
    pinned: false,
    peers: [
      {
        name: "emmett",
        file: "es-hot-emmett-1000.ts",
        note: "CommandHandler, retry onVersionConflict (3 from 100 ms), pool of 10",
      },
      { name: "tesserae", file: "es-hot-tesserae-1000.ts", note: "repository.update, pool of 10" },
    ],
  },
  {
    kind: "call",
    name: "es-load",
    title: "Loading a 10,000-event aggregate, one load at a time (calls/s = loads/s; p99 = one load)",
    pinned: false,
    peers: [
      { name: "no snapshot", file: "es-load-replay.ts", note: "replays 10,000 events" },
      { name: "tesserae", file: "es-load-snapshot.ts", note: "snapshot + the events after it" },
    ],
  },
  {
    kind: "call",
    name: "es-lag",
    title: "Async projection under the es-append load (calls/s = appends/s; p99 = projection lag)",
    pinned: false,
    peers: [
      {
        name: "tesserae",
        file: "es-lag-tesserae.ts",
        note: "lag from commit to read model, batches of 2,000",
      },
    ],
  },
];
