// Issue 17, bug 5: identity was dropped at the saga boundary. Through the gateway the JWT's identity
// reached a service; from inside a flow it was null (call-effect.ts passed `identity: undefined`) and
// the trace id changed. The run keeps its starter's identity and span, after a restart too.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { postgresFlowStore } from "../../../src/adapters/postgres/index.js";
import { sqliteFlowStore } from "../../../src/adapters/sqlite/index.js";
import { flow, signal } from "../../../src/features/flows/index.js";
import { entry, type Identity, service } from "../../../src/index.js";
import type { FlowStore } from "../../../src/ports/flow-store.js";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../../support/postgres.js";
import { harness } from "./fixtures.js";

const pgUp = await postgresAvailable();
const pool = newPool(4);
const dir = mkdtempSync(join(tmpdir(), "tesserae-run-origin-"));
afterAll(async () => {
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Seen {
  identity: Identity | undefined;
  traceId: string;
}

function whoami(seen: Seen[]) {
  return service("whoami", {
    entries: {
      see: entry((_input, ctx) => {
        seen.push({ identity: ctx.identity, traceId: ctx.trace.traceId });
        return "seen";
      }),
    },
  });
}

const go = signal("go");
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

/** Each store twice: the second engine (a restarted process) opens what the first wrote. */
const stores: [string, boolean, () => Promise<{ open(): FlowStore; cleanup(): Promise<void> }>][] = [
  [
    "memory",
    false,
    async () => {
      const store = memoryFlowStore();
      return { open: () => store, cleanup: async () => undefined };
    },
  ],
  [
    "sqlite",
    false,
    async () => {
      const file = join(dir, `runs-${Math.random().toString(36).slice(2)}.db`);
      return {
        open: () => sqliteFlowStore({ database: new Database(file), closeDatabase: true }),
        cleanup: async () => undefined,
      };
    },
  ],
  [
    "postgres",
    !pgUp,
    async () => {
      const schema = testSchema("run_origin");
      await dropSchema(pool, schema);
      return { open: () => postgresFlowStore({ pool, schema }), cleanup: () => dropSchema(pool, schema) };
    },
  ],
];

describe.each(stores)("a run's origin on the %s flow store", (_name, skip, make) => {
  it.skipIf(skip)(
    "a flow's calls carry its starter's identity and trace id, after a restart too (bug 5)",
    async () => {
      const s = await make();
      const seen: Seen[] = [];
      const who = whoami(seen);
      const saga = flow("saga", { signals: [go] }, async (ctx) => {
        await ctx.call(who.entries.see);
        await ctx.waitFor(go);
        await ctx.call(who.entries.see);
        return "done";
      });
      const first = await harness([saga], { store: s.open(), closeStore: true }, undefined, [who]);
      const start = first.node.service("flows")!.entries.start!;
      const started = (await first.node.call(start as never, { name: "saga", mode: "async" } as never, {
        identity: { sub: "alice", roles: ["clerk"] },
        traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
      })) as { body: { runId: string } } | { runId: string };
      const runId = "body" in started ? started.body.runId : started.runId;
      await until(async () => (await first.engine.store.getRun(runId))?.status === "waiting");
      await first.stop();

      const second = await harness([saga], { store: s.open(), closeStore: true }, undefined, [who]);
      try {
        await second.engine.signal(runId, go, undefined);
        expect(await second.engine.awaitRun(runId, 10_000)).toMatchObject({ status: "completed" });
      } finally {
        await second.stop();
      }
      expect(seen).toEqual([
        { identity: { sub: "alice", roles: ["clerk"] }, traceId: TRACE },
        { identity: { sub: "alice", roles: ["clerk"] }, traceId: TRACE },
      ]);
      await s.cleanup();
    },
  );
});
