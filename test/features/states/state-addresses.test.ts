// Issue 18 verification, finding 1: a state named in a NATS (broker) addresses file, e.g.
// "market_price": "exchange.market_price", still travelled on tessera.state.market_price: the
// mapping was silently ignored. Now its updates use the subject given, its snapshot requests
// <subject>.snapshot, its claims <subject>.claim and its stored value the key state-at.<subject>.
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { TesseraError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode, type TesseraNode } from "../../../src/core/node.js";
import { type ServiceDef, service } from "../../../src/core/service.js";
import type { TransportMessage } from "../../../src/core/transport-message.js";
import { type Addresses, checkAddressNames } from "../../../src/features/connections/index.js";
import { holds, owns, replicatedStates, state } from "../../../src/features/states/index.js";
import { stateSubjectsOf } from "../../../src/features/states/state-wire.js";

const prices = state("market_price", z.record(z.string(), z.number()), { initial: {} });
const feed = service("feed", { uses: [owns(prices)] });
const trader = service("trader", { uses: [holds(prices)] });

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

async function startNode(bus: MemoryBus, services: ServiceDef[], addresses: Addresses): Promise<TesseraNode> {
  const node = createNode({
    services,
    transport: memoryTransport({ bus }),
    plugins: [replicatedStates({ addresses, beatMs: 50, retryMs: 20 })],
    logger: silentLogger,
  });
  await node.start();
  return node;
}

/** Every subject published on the bus (a wildcard subscriber on its own transport). */
async function watch(bus: MemoryBus): Promise<{ subjects: Set<string>; stop(): Promise<void> }> {
  const t = memoryTransport({ bus });
  await t.connect();
  const subjects = new Set<string>();
  const sub = await t.subscribe(">", {}, (m: TransportMessage) => void subjects.add(m.subject));
  return {
    subjects,
    stop: async () => {
      await sub.unsubscribe();
      await t.close();
    },
  };
}

describe("a state wired by the addresses file to a subject (a NATS addresses file)", () => {
  it("regression: the state still travelled on tessera.state.<name>, the mapping ignored: its updates, snapshots and claims use the address", async () => {
    const bus = createMemoryBus();
    const seen = await watch(bus);
    const addresses = { market_price: "exchange.market_price" };
    const owner = await startNode(bus, [feed], addresses);
    const holder = await startNode(bus, [trader], addresses);
    try {
      await owner.use(prices, "feed").patch({ AAPL: 101.5 });
      await waitFor(() => expect(holder.use(prices, "trader").value).toEqual({ AAPL: 101.5 }));
      expect(holder.use(prices, "trader").synced).toBe(true);
      expect(seen.subjects).toContain("exchange.market_price");
      expect(seen.subjects).toContain("exchange.market_price.claim");
      expect([...seen.subjects].filter((s) => s.includes("tessera.state"))).toEqual([]);
      // The holder's first snapshot was asked on <subject>.snapshot: a raw request there is answered.
      const t = memoryTransport({ bus });
      await t.connect();
      const reply = await t.request("exchange.market_price.snapshot", new Uint8Array(0), { timeoutMs: 1000 });
      expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ data: { AAPL: 101.5 } });
      await t.close();
      // The stored value is under the subject's key, not the name's.
      await owner.use(prices, "feed").flush();
      const stored = memoryTransport({ bus }).lastValues!;
      expect(await stored.get("state-at.exchange.market_price")).toBeDefined();
      expect(await stored.get("state.market_price")).toBeUndefined();
    } finally {
      await holder.stop();
      await owner.stop();
      await seen.stop();
    }
  });

  it("a holder wired to another subject than the owner's does not see its updates (the address is really used)", async () => {
    const bus = createMemoryBus();
    const owner = await startNode(bus, [feed], { market_price: "exchange.market_price" });
    const holder = await startNode(bus, [trader], { market_price: "other.market_price" });
    try {
      await owner.use(prices, "feed").patch({ AAPL: 1 });
      // Not synced: no owner answers on other.market_price.snapshot (and nothing is stored there).
      expect(holder.use(prices, "trader").synced).toBe(false);
      expect(holder.use(prices, "trader").value).toEqual({});
    } finally {
      await holder.stop();
      await owner.stop();
    }
  });

  it("service.name wins for that service, as for connections; a host:port alone keeps the default subjects", () => {
    expect(stateSubjectsOf("market_price")).toEqual({
      updates: "tessera.state.market_price",
      snapshot: "tessera.state-snapshot.market_price",
      claims: "tessera.state-claim.market_price",
      stored: "state.market_price",
    });
    expect(stateSubjectsOf("market_price", "exchange.mp")).toEqual({
      updates: "exchange.mp",
      snapshot: "exchange.mp.snapshot",
      claims: "exchange.mp.claim",
      stored: "state-at.exchange.mp",
    });
  });

  it("takes service.name over name for that service", async () => {
    const bus = createMemoryBus();
    const owner = await startNode(bus, [feed], { market_price: "a.mp" });
    const holder = await startNode(bus, [trader], { market_price: "b.mp", "trader.market_price": "a.mp" });
    try {
      await owner.use(prices, "feed").patch({ MSFT: 2 });
      await waitFor(() => expect(holder.use(prices, "trader").value).toEqual({ MSFT: 2 }));
    } finally {
      await holder.stop();
      await owner.stop();
    }
  });

  it("topics on a state are refused (TESSERA_CONFIG), not ignored: by the file's check and by the plugin", async () => {
    const addresses = { market_price: { subject: "exchange.mp", topics: ["AAPL"] } };
    let err: unknown;
    try {
      checkAddressNames(addresses, [feed, trader], "addresses.nats.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_CONFIG");
    expect((err as TesseraError).message).toContain('state "market_price" takes no topics');
    const node = createNode({
      services: [feed],
      transport: memoryTransport({ bus: createMemoryBus() }),
      plugins: [replicatedStates({ addresses })],
      logger: silentLogger,
    });
    await expect(node.start()).rejects.toMatchObject({ code: "TESSERA_CONFIG" });
    await node.stop();
  });

  it("an addresses object given to replicatedStates is checked as a file is", () => {
    expect(() => replicatedStates({ addresses: { market_price: 5 } as unknown as Addresses })).toThrow(
      /replicatedStates\(\{ addresses \}\): 1 problem/,
    );
  });
});
