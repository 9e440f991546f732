import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { entry } from "../../../src/core/entry.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode, type TesseraNode } from "../../../src/core/node.js";
import { type ServiceDef, service } from "../../../src/core/service.js";
import {
  holds,
  owns,
  replicatedStates,
  type StateChange,
  state,
} from "../../../src/features/states/index.js";

const quotes = state("quotes", z.record(z.string(), z.number()), { initial: {} });
type Quotes = Record<string, number>;

const feed = service("feed", {
  uses: [owns(quotes)],
  entries: {
    tick: entry(
      { input: z.object({ symbol: z.string(), price: z.number().nullable() }) },
      ({ symbol, price }, ctx) => ctx.use(quotes).patch({ [symbol]: price }),
    ),
    reset: entry({ input: z.record(z.string(), z.number()) }, (value, ctx) => ctx.use(quotes).set(value)),
  },
});

function trader(name: string, seen: StateChange<Quotes>[] = []) {
  return service(name, {
    uses: [holds(quotes, { onChange: (change) => void seen.push(change) })],
    entries: { read: entry((_input, ctx) => ({ ...ctx.use(quotes).value })) },
  });
}

async function startNode(bus: MemoryBus, services: ServiceDef[], run?: string[]): Promise<TesseraNode> {
  const node = createNode({
    services,
    ...(run === undefined ? {} : { run }),
    transport: memoryTransport({ bus }),
    plugins: [replicatedStates({ beatMs: 50, retryMs: 20 })],
    logger: silentLogger,
  });
  await node.start();
  return node;
}

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

describe("replicated states, embedded (memory transport)", () => {
  it("keeps every holder's copy equal to the owner's value, read synchronously from the context", async () => {
    const bus = createMemoryBus();
    const seen: StateChange<Quotes>[] = [];
    const t1 = trader("trader", seen);
    const t2 = trader("risk");
    const owner = await startNode(bus, [feed, t1, t2], ["feed"]);
    const holders = await startNode(bus, [feed, t1, t2], ["trader", "risk"]);
    try {
      await owner.call(feed.entries.tick, { symbol: "AAPL", price: 100 });
      await owner.call(feed.entries.tick, { symbol: "MSFT", price: 200 });
      await owner.call(feed.entries.tick, { symbol: "AAPL", price: null });
      await waitFor(async () => expect(await holders.call(t1.entries.read)).toEqual({ MSFT: 200 }));
      expect(await holders.call(t2.entries.read)).toEqual({ MSFT: 200 });
      expect(owner.use(quotes, "feed").value).toEqual({ MSFT: 200 });
      expect(holders.use(quotes, "trader").seq).toBe(3);
      const deltas = seen.filter((c) => c.kind === "delta");
      expect(deltas.map((c) => c.delta)).toEqual([{ AAPL: 100 }, { MSFT: 200 }, { AAPL: null }]);
      // The change carries the live copy (updated in place); a snapshot carries the value it replaced.
      expect(deltas.at(-1)?.value).toEqual({ MSFT: 200 });
      expect(seen.find((c) => c.kind === "snapshot")?.previous).toEqual({});
    } finally {
      await holders.stop();
      await owner.stop();
    }
  });

  it("a one-off process with the owning service (tesserae call) claimed the state and fenced its running owner: with own: false it only holds it", async () => {
    const bus = createMemoryBus();
    const owner = await startNode(bus, [feed], ["feed"]);
    const oneOff = createNode({
      services: [feed],
      transport: memoryTransport({ bus }),
      plugins: [replicatedStates({ own: false, beatMs: 50, retryMs: 20 })],
      logger: silentLogger,
    });
    await oneOff.start();
    try {
      await owner.call(feed.entries.tick, { symbol: "AAPL", price: 100 });
      await waitFor(() => expect(oneOff.use(quotes, "feed").value).toEqual({ AAPL: 100 }));
      // The running owner still takes updates: nobody claimed a newer epoch.
      await owner.call(feed.entries.tick, { symbol: "MSFT", price: 200 });
      expect(owner.use(quotes, "feed").value).toEqual({ AAPL: 100, MSFT: 200 });
      await waitFor(() => expect(oneOff.use(quotes, "feed").value).toEqual({ AAPL: 100, MSFT: 200 }));
    } finally {
      await oneOff.stop();
      await owner.stop();
    }
  });

  it("replaces the copies with a full update", async () => {
    const bus = createMemoryBus();
    const t = trader("trader");
    const owner = await startNode(bus, [feed, t], ["feed"]);
    const holder = await startNode(bus, [feed, t], ["trader"]);
    try {
      await owner.call(feed.entries.tick, { symbol: "AAPL", price: 1 });
      await owner.call(feed.entries.reset, { IBM: 5 });
      await waitFor(async () => expect(await holder.call(t.entries.read)).toEqual({ IBM: 5 }));
    } finally {
      await holder.stop();
      await owner.stop();
    }
  });

  it("gives a holder that starts late a snapshot first, with the owner's current number", async () => {
    const bus = createMemoryBus();
    const t = trader("trader");
    const owner = await startNode(bus, [feed, t], ["feed"]);
    try {
      for (let i = 0; i < 10; i++) await owner.call(feed.entries.tick, { symbol: `S${i}`, price: i });
      const holder = await startNode(bus, [feed, t], ["trader"]);
      const copy = holder.use(quotes, "trader");
      expect(copy.synced).toBe(true);
      expect(copy.seq).toBe(10);
      expect(Object.keys(copy.value)).toHaveLength(10);
      await owner.call(feed.entries.tick, { symbol: "S0", price: 42 });
      await waitFor(() => expect(copy.value.S0).toBe(42));
      expect(copy.seq).toBe(11);
      await holder.stop();
    } finally {
      await owner.stop();
    }
  });

  it("resumes the owner's numbering after a restart (value and number from the last-value store) and the holders follow", async () => {
    const bus = createMemoryBus();
    const t = trader("trader");
    const owner1 = await startNode(bus, [feed, t], ["feed"]);
    const holder = await startNode(bus, [feed, t], ["trader"]);
    try {
      for (let i = 0; i < 5; i++) await owner1.call(feed.entries.tick, { symbol: "X", price: i });
      const epoch1 = owner1.use(quotes, "feed").epoch;
      await owner1.stop();
      const owner2 = await startNode(bus, [feed, t], ["feed"]);
      const handle = owner2.use(quotes, "feed");
      expect(handle.seq).toBe(5);
      expect(handle.value).toEqual({ X: 4 });
      expect(handle.epoch).toBeGreaterThan(epoch1);
      await owner2.call(feed.entries.tick, { symbol: "Y", price: 1 });
      const copy = holder.use(quotes, "trader");
      await waitFor(() => expect(copy.value).toEqual({ X: 4, Y: 1 }));
      expect([copy.epoch, copy.seq]).toEqual([handle.epoch, 6]);
      await owner2.stop();
    } finally {
      await holder.stop();
    }
  });

  it("resynchronises a holder that missed updates (a gap) and one that missed the last ones (the beat)", async () => {
    const bus = createMemoryBus();
    const t = trader("trader");
    const owner = await startNode(bus, [feed, t], ["feed"]);
    const holderNode = await startNode(bus, [feed, t], ["trader"]);
    try {
      const copy = holderNode.use(quotes, "trader") as unknown as {
        receive: (m: unknown) => void;
        resyncs: Record<string, number>;
      };
      await owner.call(feed.entries.tick, { symbol: "A", price: 1 });
      await waitFor(() => expect(holderNode.use(quotes, "trader").seq).toBe(1));
      // A delta from far ahead: a gap.
      copy.receive({ epoch: owner.use(quotes, "feed").epoch, seq: 9, isSnapshot: false, data: { BAD: 1 } });
      await waitFor(() => expect(copy.resyncs.gap).toBe(1));
      await waitFor(() => expect(holderNode.use(quotes, "trader").value).toEqual({ A: 1 }));
      await new Promise((r) => setTimeout(r, 50)); // the snapshot is in
      // The delta the snapshot already holds: ignored, not a duplicate.
      copy.receive({ epoch: owner.use(quotes, "feed").epoch, seq: 1, isSnapshot: false, data: { BAD: 1 } });
      expect(copy.resyncs.duplicate).toBe(0);
      // A duplicate of a delta.
      await owner.call(feed.entries.tick, { symbol: "B", price: 2 });
      await waitFor(() => expect(holderNode.use(quotes, "trader").seq).toBe(2));
      copy.receive({ epoch: owner.use(quotes, "feed").epoch, seq: 2, isSnapshot: false, data: { BAD: 1 } });
      await waitFor(() => expect(copy.resyncs.duplicate).toBe(1));
      await waitFor(() => expect(holderNode.use(quotes, "trader").value).toEqual({ A: 1, B: 2 }));
      // An older number: ignored.
      copy.receive({ epoch: owner.use(quotes, "feed").epoch, seq: 0, isSnapshot: false, data: { BAD: 1 } });
      expect(holderNode.use(quotes, "trader").value).toEqual({ A: 1, B: 2 });
      // A beat ahead of the copy: the last updates were lost.
      copy.receive({ epoch: owner.use(quotes, "feed").epoch, seq: 5, beat: true });
      await waitFor(() => expect(copy.resyncs.behind).toBe(1));
      expect(holderNode.use(quotes, "trader").seq).toBe(2);
    } finally {
      await holderNode.stop();
      await owner.stop();
    }
  });

  it("refuses updates that fail the schema, updates by a holder, and reads by a service that neither owns nor holds", async () => {
    const bus = createMemoryBus();
    const t = trader("trader");
    const stranger = service("stranger", { entries: { read: entry((_i, ctx) => ctx.use(quotes).value) } });
    const node = await startNode(bus, [feed, t, stranger]);
    try {
      await expect(node.use(quotes, "feed").patch({ AAPL: "x" as unknown as number })).rejects.toMatchObject({
        code: "TESSERA_VALIDATION",
        message: expect.stringContaining("invalid state quotes: AAPL"),
      });
      expect(node.use(quotes, "feed").seq).toBe(0);
      await expect(node.use(quotes, "trader").patch({ AAPL: 1 })).rejects.toMatchObject({
        code: "TESSERA_FORBIDDEN",
      });
      await expect(node.call(stranger.entries.read)).rejects.toMatchObject({
        code: "TESSERA_DEFINITION",
        message: expect.stringContaining("neither owns nor holds"),
      });
    } finally {
      await node.stop();
    }
  });

  it("works without numbers that survive when the last-value store fails (e.g. NATS without JetStream)", async () => {
    const bus = createMemoryBus();
    const transport = memoryTransport({ bus });
    const broken = Promise.reject(new Error("JetStream is not enabled"));
    broken.catch(() => undefined);
    Object.defineProperty(transport, "lastValues", {
      value: { get: () => broken, put: () => broken, delete: () => broken },
    });
    const t = trader("trader");
    const owner = createNode({
      services: [feed, t],
      run: ["feed"],
      transport,
      plugins: [replicatedStates()],
      logger: silentLogger,
    });
    await owner.start();
    const holder = await startNode(bus, [feed, t], ["trader"]);
    try {
      expect(owner.use(quotes, "feed").epoch).toBeGreaterThan(1_000_000_000_000); // time-based
      await owner.call(feed.entries.tick, { symbol: "A", price: 1 });
      await owner.use(quotes, "feed").flush();
      await waitFor(() => expect(holder.use(quotes, "trader").value).toEqual({ A: 1 }));
    } finally {
      await holder.stop();
      await owner.stop();
    }
  });

  it("regression: holders stuck after an owner's epoch went backwards (started without its last-value store, restarted with it)", async () => {
    const bus = createMemoryBus();
    const t = trader("trader");
    // An earlier incarnation stored its value under a small epoch.
    const owner0 = await startNode(bus, [feed, t], ["feed"]);
    await owner0.call(feed.entries.tick, { symbol: "OLD", price: 1 });
    await owner0.stop();
    const storedEpoch = owner0.use(quotes, "feed").epoch;
    // The next one finds its store failing at start: a time-based epoch, nothing written.
    const transport = memoryTransport({ bus });
    const broken = Promise.reject(new Error("JetStream is not enabled"));
    broken.catch(() => undefined);
    Object.defineProperty(transport, "lastValues", {
      value: { get: () => broken, put: () => broken, delete: () => broken },
    });
    const owner1 = createNode({
      services: [feed, t],
      run: ["feed"],
      transport,
      plugins: [replicatedStates({ beatMs: 50 })],
      logger: silentLogger,
    });
    await owner1.start();
    const holder = await startNode(bus, [feed, t], ["trader"]);
    const copy = holder.use(quotes, "trader");
    try {
      for (let i = 0; i < 5; i++) await owner1.call(feed.entries.tick, { symbol: "A", price: i });
      await waitFor(() => expect(copy.value).toEqual({ A: 4 }));
      const timeEpoch = copy.epoch;
      await owner1.stop();
      // Restarted with its store back: it resumes from the stored value, and must come after owner1.
      const owner2 = await startNode(bus, [feed, t], ["feed"]);
      try {
        const handle = owner2.use(quotes, "feed");
        expect(handle.epoch).toBeGreaterThan(timeEpoch);
        expect(handle.epoch).toBeGreaterThan(storedEpoch);
        await owner2.call(feed.entries.tick, { symbol: "B", price: 2 });
        await waitFor(() => expect(copy.value).toEqual({ OLD: 1, B: 2 }));
        expect([copy.epoch, copy.seq]).toEqual([handle.epoch, handle.seq]);
      } finally {
        await owner2.stop();
      }
    } finally {
      await holder.stop();
    }
  });

  it("refuses a node whose service owns a state without the states plugin", async () => {
    const node = createNode({ services: [feed], transport: memoryTransport(), logger: silentLogger });
    await expect(node.start()).rejects.toMatchObject({ code: "TESSERA_DEFINITION" });
  });
});
