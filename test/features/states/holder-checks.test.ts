// Issue 18 verification, finding 2: a holder whose node used another codec than the owner's (the
// owner on rich-json, the holder on json) applied what its codec made of the snapshot (a date as
// {"$date": …}) and reported synced; a snapshot whose value failed the state's schema was applied
// as it came. Now a snapshot names its codec (header tessera-codec, and the stored value a codec
// field): a holder on another codec logs one error naming both and stays not synced; a snapshot
// that fails the state's schema is refused with a log line, not applied.
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { type Codec, jsonCodec, richJsonCodec } from "../../../src/core/codec.js";
import type { Logger } from "../../../src/core/logger.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode, type TesseraNode } from "../../../src/core/node.js";
import { type ServiceDef, service } from "../../../src/core/service.js";
import { holds, owns, replicatedStates, type StateDef, state } from "../../../src/features/states/index.js";
import type { StateHolder } from "../../../src/features/states/state-holder.js";
import { captureLogger } from "../../core/fixtures.js";

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

const ticks = state("ticks", z.object({ at: z.date().optional(), price: z.number() }), {
  initial: { price: 0 },
});

async function startNode(
  bus: MemoryBus,
  services: ServiceDef[],
  codec: Codec,
  logger: Logger = silentLogger,
): Promise<TesseraNode> {
  const node = createNode({
    services,
    codec,
    transport: memoryTransport({ bus }),
    plugins: [replicatedStates({ beatMs: 50, retryMs: 10 })],
    logger,
  });
  await node.start();
  return node;
}

const holderOf = (node: TesseraNode, def: StateDef<string, object>, svc: string) =>
  node.use(def, svc) as unknown as StateHolder<object>;

const errors = (lines: Record<string, unknown>[]) => lines.filter((l) => l.level === "error");

describe("a holder on another codec than its owner's", () => {
  const feed = service("feed", { uses: [owns(ticks)] });
  const trader = service("trader", { uses: [holds(ticks)] });

  it("regression: a holder on json took a rich-json owner's snapshot as garbage and said synced: it logs one error naming both codecs and stays not synced", async () => {
    const bus = createMemoryBus();
    const owner = await startNode(bus, [feed], richJsonCodec);
    await owner.use(ticks, "feed").set({ at: new Date("2024-05-01T12:00:00Z"), price: 101.5 });
    const { logger, lines } = captureLogger();
    const holder = await startNode(bus, [trader], jsonCodec, logger);
    try {
      const copy = holderOf(holder, ticks, "trader");
      // Several tries (its start, retries every 10 ms, the owner's full updates): one error line.
      await owner.use(ticks, "feed").set({ at: new Date("2024-05-01T12:00:01Z"), price: 102 });
      await waitFor(() => expect(copy.resyncs.unsynced).toBeGreaterThanOrEqual(4));
      expect(copy.synced).toBe(false);
      expect(copy.value).toEqual({ price: 0 });
      const said = errors(lines);
      expect(said).toHaveLength(1);
      expect(said[0]?.msg).toContain("rich-json (application/vnd.tessera.rich+json)");
      expect(said[0]?.msg).toContain("this node's is json (application/json)");
      expect(said[0]?.msg).toContain("not applied");
    } finally {
      await holder.stop();
      await owner.stop();
    }
  });

  it("regression: with the owner down, the stored value of an owner on another codec is refused too", async () => {
    const bus = createMemoryBus();
    const owner = await startNode(bus, [feed], richJsonCodec);
    await owner.use(ticks, "feed").set({ at: new Date("2024-05-01T12:00:00Z"), price: 7 });
    await owner.stop(); // stores the value; holders now read it from the store
    const { logger, lines } = captureLogger();
    const holder = await startNode(bus, [trader], jsonCodec, logger);
    try {
      const copy = holderOf(holder, ticks, "trader");
      expect(copy.synced).toBe(false);
      expect(copy.value).toEqual({ price: 0 });
      expect(errors(lines).map((l) => l.msg)).toEqual([
        expect.stringContaining(
          "stored by an owner on the rich-json (application/vnd.tessera.rich+json) codec",
        ),
      ]);
    } finally {
      await holder.stop();
    }
  });

  it("a holder on the owner's codec takes the same snapshot (dates and all), synced", async () => {
    const bus = createMemoryBus();
    const owner = await startNode(bus, [feed], richJsonCodec);
    const holder = await startNode(bus, [trader], richJsonCodec);
    try {
      await owner.use(ticks, "feed").set({ at: new Date("2024-05-01T12:00:00Z"), price: 1 });
      const copy = holderOf(holder, ticks, "trader");
      await waitFor(() => expect(copy.value).toEqual({ at: new Date("2024-05-01T12:00:00Z"), price: 1 }));
      expect(copy.synced).toBe(true);
    } finally {
      await holder.stop();
      await owner.stop();
    }
  });
});

describe("a snapshot that fails the state's schema", () => {
  // A rolling deploy that tightens the schema: the old owner's values fail the new holder's schema.
  const loose = state("book", z.record(z.string(), z.number()), { initial: {} });
  const strict = state("book", z.record(z.string(), z.number().int()), { initial: {} });
  const oldFeed = service("feed", { uses: [owns(loose)] });
  const newTrader = service("trader", { uses: [holds(strict)] });

  it("regression: a holder applied a snapshot whose value fails its schema: it is refused with a log line naming the problem, the copy unchanged, not synced", async () => {
    const bus = createMemoryBus();
    const owner = await startNode(bus, [oldFeed], jsonCodec);
    await owner.use(loose, "feed").set({ AAPL: 101.5 });
    const { logger, lines } = captureLogger();
    const holder = await startNode(bus, [newTrader], jsonCodec, logger);
    try {
      const copy = holderOf(holder, strict, "trader");
      await waitFor(() => expect(copy.resyncs.unsynced).toBeGreaterThanOrEqual(3));
      expect(copy.synced).toBe(false);
      expect(copy.value).toEqual({});
      // Deltas that build on a refused snapshot are not applied either.
      await owner.use(loose, "feed").patch({ MSFT: 2 });
      await waitFor(() => expect(copy.resyncs.unsynced).toBeGreaterThanOrEqual(5));
      expect(copy.value).toEqual({});
      const said = errors(lines);
      expect(said).toHaveLength(1);
      expect(said[0]?.msg).toContain("fails the state's schema: not applied");
      expect(said[0]?.msg).toContain("AAPL");

      // Once the owner's value passes again (a full update), the holder takes it and is synced.
      await owner.use(loose, "feed").set({ AAPL: 101 });
      await waitFor(() => expect(copy.value).toEqual({ AAPL: 101 }));
      expect(copy.synced).toBe(true);
      expect(lines.some((l) => l.level === "info" && String(l.msg).includes("taken again"))).toBe(true);
    } finally {
      await holder.stop();
      await owner.stop();
    }
  });
});
