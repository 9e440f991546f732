// The flow scenarios (issue 5): 3-step flows of tiny local steps, 100 runs in flight, durable commits;
// calls/s are steps/s (a reference peer's "step" is one durable single-row write).
import type { Scenario } from "./scenarios.js";

export const flowScenarios: readonly Scenario[] = [
  {
    kind: "call",
    name: "flows-pg",
    title: "3-step flows, 100 runs in flight, PostgreSQL with synchronous_commit on (calls/s = steps/s)",
    pinned: false,
    peers: [
      {
        name: "insert ×1",
        file: "flows-insert-pg-1.ts",
        note: "one single-row INSERT per transaction, 1 connection",
      },
      {
        name: "insert ×10",
        file: "flows-insert-pg-10.ts",
        target: 1.0,
        note: "one single-row INSERT per transaction, 10 connections",
      },
      {
        name: "dbos",
        file: "flows-dbos.ts",
        target: 2.0,
        note: "DBOS Transact 5.3, 3 × DBOS.runStep, pool of 10",
      },
      {
        name: "tesserae",
        file: "flows-tesserae-pg.ts",
        note: "engine.execute, 3 × ctx.step, pool of 10, group commit",
      },
    ],
  },
  {
    kind: "call",
    name: "flows-sqlite",
    title: "3-step flows, 100 runs in flight, SQLite WAL synchronous=FULL (calls/s = steps/s)",
    pinned: false,
    peers: [
      {
        name: "insert FULL",
        file: "flows-insert-sqlite-full.ts",
        target: 1.0,
        note: "one single-row transaction",
      },
      {
        name: "tesserae",
        file: "flows-tesserae-sqlite-full.ts",
        note: "engine.execute, the default setting",
      },
    ],
  },
  {
    kind: "call",
    name: "flows-sqlite-normal",
    title: "The same with synchronous=NORMAL (a power loss may lose the last commits; a crash does not)",
    pinned: false,
    peers: [
      {
        name: "insert NORMAL",
        file: "flows-insert-sqlite-normal.ts",
        target: 1.0,
        note: "one single-row transaction",
      },
      { name: "tesserae", file: "flows-tesserae-sqlite-normal.ts", note: "engine.execute" },
    ],
  },
];
