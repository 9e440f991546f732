import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { memoryEventStore } from "../../../src/adapters/memory/index.js";
import { sqliteEventStore } from "../../../src/adapters/sqlite/index.js";
import { createLogger } from "../../../src/core/logger.js";
import {
  type EventSourcing,
  type EventStore,
  eventSourcing,
  projection,
} from "../../../src/features/eventsourcing/index.js";
import { counter } from "./fixtures.js";

// Issue 15, item 5: every node ran every projection (three nodes applied 147, 247 and 168 events of
// one projection and logged 81 checkpoint conflicts). One runner per projection now, by a lease.

const dir = mkdtempSync(join(tmpdir(), "tesserae-projection-lease-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const waitFor = <T>(check: () => Promise<T> | T) => vi.waitFor(check, { timeout: 10_000, interval: 10 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lease = { leaseMs: 400, renewMs: 100, pollMs: 50 };

/** One process of the system: a runtime whose projection `tally` records who applied each event. */
interface Runtime {
  readonly id: string;
  readonly es: EventSourcing;
  readonly lines: string[];
  /** Events this runtime's handler was called with (committed or not). */
  readonly handled: string[];
}

const running: Runtime[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.es.stop()));
});

function runtime(id: string, store: EventStore, gate?: () => Promise<void>): Runtime {
  const lines: string[] = [];
  const handled: string[] = [];
  const tally = projection({
    name: "tally",
    from: counter,
    collections: ["tally"],
    batchSize: 20,
    async handle(e, docs) {
      handled.push(e.id);
      await gate?.();
      const seen = await docs.get<{ n: number }>("tally", e.id);
      await docs.put("tally", e.id, { n: (seen?.n ?? 0) + 1, by: id });
    },
  });
  const logger = createLogger({ level: "debug", format: "json", write: (l) => lines.push(l) });
  const es = eventSourcing({ store, projections: [tally], projectionLease: lease, logger });
  const r = { id, es, lines, handled };
  running.push(r);
  return r;
}

const levels = (r: Runtime, level: string) =>
  r.lines.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === level);

async function appendEvents(store: EventStore, n: number, spreadMs = 0): Promise<void> {
  for (let i = 0; i < n; i += 10) {
    await store.append(
      `counter-${i % 40}`,
      Array.from({ length: Math.min(10, n - i) }, () => ({ type: "added", data: { by: 1 } })),
    );
    if (spreadMs > 0) await sleep(spreadMs);
  }
}

/** Who applied the events, per runtime id, from the read model; every event must be there once. */
async function appliedBy(store: EventStore): Promise<Record<string, number>> {
  const docs = await store.findDocuments<{ n: number; by: string }>("tally");
  expect(docs.filter((d) => d.doc.n !== 1)).toEqual([]);
  expect(docs).toHaveLength(await store.headPosition());
  const by: Record<string, number> = {};
  for (const d of docs) by[d.doc.by] = (by[d.doc.by] ?? 0) + 1;
  return by;
}

describe("one runner per projection across processes (a lease in the event store)", () => {
  it("runs a projection on one of three processes sharing a SQLite file; the others apply nothing and log no conflict", async () => {
    const file = join(dir, "three.db");
    const stores = [0, 1, 2].map(() => sqliteEventStore({ database: new Database(file) }));
    const nodes = stores.map((s, i) => runtime(`node-${i}`, s));
    await Promise.all(nodes.map((n) => n.es.start({ id: n.id })));
    // Spread over several renewals and standby polls: every process had its chances.
    await appendEvents(stores[0]!, 300, 15);
    await Promise.all(nodes.map((n) => n.es.caughtUp()));

    const by = await appliedBy(stores[0]!);
    expect(Object.values(by)).toEqual([300]);
    const holder = Object.keys(by)[0]!;
    for (const n of nodes) {
      // Handlers of the standing-by processes were never called; nothing was retried.
      expect(n.handled.length).toBe(n.id === holder ? 300 : 0);
      expect(levels(n, "warn")).toEqual([]);
      const [status] = n.es.projectionRunners();
      expect(status).toEqual({ projection: "tally", here: n.id === holder, runBy: holder });
    }
    await Promise.all(running.splice(0).map((r) => r.es.stop()));
    for (const s of stores) await s.close();
  });

  it("hands the projection to a standing-by process when its holder stops, logging one line naming the previous holder; holders log when they start and stand down", async () => {
    const file = join(dir, "handover.db");
    const stores = [0, 1].map(() => sqliteEventStore({ database: new Database(file) }));
    const [a, b] = [runtime("node-a", stores[0]!), runtime("node-b", stores[1]!)];
    await a.es.start({ id: a.id });
    await b.es.start({ id: b.id });
    await appendEvents(stores[0]!, 50);
    await a.es.caughtUp();
    expect(a.es.projectionRunners()[0]!.here).toBe(true);

    await a.es.stop();
    await appendEvents(stores[0]!, 50);
    // Released: b takes it at its next poll, not once a lease would have ended.
    await waitFor(() => expect(b.es.projectionRunners()[0]!.here).toBe(true));
    await b.es.caughtUp();
    expect(await appliedBy(stores[0]!)).toEqual({ "node-a": 50, "node-b": 50 });
    const infos = levels(b, "info").map((l) => l.msg);
    expect(infos).toEqual(["projection tally: taken over from node-a"]);
    expect(levels(b, "warn")).toEqual([]);
    // The first holder says so too (it logged nothing), and each says when it stands down.
    expect(levels(a, "info").map((l) => l.msg)).toEqual([
      "projection tally: running here",
      "projection tally: standing down (the node stops)",
    ]);
    await b.es.stop();
    expect(levels(b, "info").map((l) => l.msg)).toContain("projection tally: standing down (the node stops)");
    for (const s of stores) await s.close();
  });

  it("a holder stopped in the middle of a slow batch keeps its lease while the batch finishes, commits it, then hands over at once", async () => {
    const store = memoryEventStore();
    // 20 events a batch, 60 ms each: a batch lasts 1.2 s, three leases of 400 ms.
    const a = runtime("node-a", store, async () => {
      await sleep(60);
    });
    const b = runtime("node-b", store);
    await a.es.start({ id: a.id });
    await b.es.start({ id: b.id });
    await appendEvents(store, 40);
    await waitFor(() => expect(a.handled.length).toBeGreaterThan(2));
    await a.es.stop();
    const stoppedAt = performance.now();
    // Nothing a handled was thrown away: its batch committed before the lease went.
    const aDone = a.handled.length;
    const byA = await store.findDocuments<{ by: string }>("tally");
    expect(byA.filter((d) => d.doc.by === "node-a")).toHaveLength(aDone);
    await waitFor(() => expect(b.es.projectionRunners()[0]!.here).toBe(true));
    expect(performance.now() - stoppedAt).toBeLessThan(1000);
    await b.es.caughtUp();
    expect(await appliedBy(store)).toEqual({
      "node-a": aDone,
      ...(aDone < 40 ? { "node-b": 40 - aDone } : {}),
    });
    expect(levels(a, "warn")).toEqual([]);
    await b.es.stop();
  });

  it("stops a holder whose renewals fail once its lease runs out, commits nothing of its batch after, and lets another take over", async () => {
    const store = memoryEventStore();
    let failing = false;
    // Process a's view of the store: its lease attempts fail (a network cut), the rest works.
    const aStore = new Proxy(store, {
      get(target, key) {
        if (key === "acquireLease" && failing) return () => Promise.reject(new Error("connection lost"));
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const a = runtime("node-a", aStore, () => gate);
    const b = runtime("node-b", store);
    await a.es.start({ id: a.id });
    await b.es.start({ id: b.id });
    failing = true;
    await appendEvents(store, 5);
    // a is in the middle of its batch when its lease runs out; b takes the projection over.
    await waitFor(() => expect(a.handled.length).toBe(1));
    await waitFor(() => expect(b.es.projectionRunners()[0]!.here).toBe(true));
    await waitFor(() => expect(a.es.projectionRunners()[0]!.here).toBe(false));
    open();
    await b.es.caughtUp();
    // a's batch was rolled back at its commit: b applied every event, once.
    expect(await appliedBy(store)).toEqual({ "node-b": 5 });
    expect(levels(a, "warn").map((l) => l.msg)).toEqual([
      "projection tally: renewing or taking the lease failed: connection lost (retrying; repeats are counted, not logged)",
      "projection tally: the lease ran out before it could be renewed, standing by",
    ]);
    expect(levels(b, "info").map((l) => l.msg)).toEqual(["projection tally: taken over from node-a"]);
  });

  it("rebuilds from a standing-by process: the process that runs the projection replays the whole log", async () => {
    const file = join(dir, "rebuild.db");
    const stores = [0, 1].map(() => sqliteEventStore({ database: new Database(file) }));
    const [a, b] = [runtime("node-a", stores[0]!), runtime("node-b", stores[1]!)];
    await a.es.start({ id: a.id });
    await b.es.start({ id: b.id });
    await appendEvents(stores[0]!, 30);
    await a.es.caughtUp();
    const [first] = await stores[0]!.readAll({ limit: 1 });
    await stores[0]!.transaction((tx) => tx.putDocument("tally", first!.id, { n: 7, by: "damage" }));

    // b resets the checkpoint; a, whose subscription was past it, notices and replays from 0.
    await b.es.rebuild("tally");
    expect(await appliedBy(stores[0]!)).toEqual({ "node-a": 30 });
    expect(b.handled).toEqual([]);
    expect(levels(a, "info").map((l) => l.msg)).toContain(
      "projection tally: its checkpoint moved back (a rebuild), replaying",
    );
    await Promise.all(running.splice(0).map((r) => r.es.stop()));
    for (const s of stores) await s.close();
  });

  it("runs at once in one process on the in-memory store", async () => {
    const store = memoryEventStore();
    const one = runtime("solo", store);
    await appendEvents(store, 10);
    await one.es.start();
    expect(one.es.projectionRunners()).toEqual([
      { projection: "tally", here: true, runBy: expect.stringMatching(/^es-/) },
    ]);
    await one.es.caughtUp();
    expect(Object.values(await appliedBy(store))).toEqual([10]);
  });

  it("refuses a renewal interval not shorter than the lease, and unknown lease options", () => {
    const store = memoryEventStore();
    expect(() => eventSourcing({ store, projectionLease: { leaseMs: 1000, renewMs: 1000 } })).toThrow(
      expect.objectContaining({
        code: "TESSERA_DEFINITION",
        message: expect.stringContaining("renewMs (1000) must be shorter than the lease (1000 ms)"),
      }),
    );
    expect(() =>
      eventSourcing({ store, projectionLease: { lease: 5000 } as unknown as { leaseMs: number } }),
    ).toThrow(expect.objectContaining({ code: "TESSERA_DEFINITION" }));
  });
});
