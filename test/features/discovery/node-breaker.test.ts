import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { discovery } from "../../../src/features/discovery/index.js";
import {
  type BreakerPolicy,
  createNode,
  entry,
  service,
  silentLogger,
  TesseraError,
  type TesseraNode,
} from "../../../src/index.js";

// The circuit breaker of each remote node (RemoteRouter's NodeLink): two nodes serve `flaky`; one
// of them keeps failing. The caller learns both through discovery and picks the instance itself.

type Behaviour = "ok" | "unavailable" | "crash";
const Input = z.object({ n: z.number() });

/** `flaky.work` as one node serves it: the same name and entry, its own behaviour and hit count. */
function flaky(breaker?: BreakerPolicy) {
  const state = { behaviour: "ok" as Behaviour, hits: 0 };
  const def = service("flaky", {
    ...(breaker === undefined ? {} : { breaker }),
    entries: {
      work: entry({ input: Input }, ({ n }) => {
        state.hits++;
        if (state.behaviour === "unavailable") throw TesseraError.unavailable("out of service");
        if (state.behaviour === "crash") throw new Error("a bug of the handler");
        return { n };
      }),
    },
  });
  return { def, state };
}

const nodes: TesseraNode[] = [];
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
});

async function startNode(bus: MemoryBus, id: string, def: ReturnType<typeof flaky>["def"], run: string[]) {
  const node = createNode({
    id,
    services: [def],
    run,
    transport: memoryTransport({ bus, drainTimeoutMs: 50 }),
    logger: silentLogger,
    drainTimeout: 200,
    plugins: [discovery({ heartbeatMs: 40, missedHeartbeats: 3 })],
  });
  nodes.push(node);
  await node.start();
  return node;
}

async function twoInstances(breaker?: BreakerPolicy) {
  const bus = createMemoryBus();
  const good = flaky(breaker);
  const bad = flaky(breaker);
  const gw = await startNode(bus, "gw", good.def, []);
  await startNode(bus, "good", good.def, ["flaky"]);
  await startNode(bus, "bad", bad.def, ["flaky"]);
  await vi.waitFor(() => expect(gw.registry.instances("flaky")).toHaveLength(2));
  const work = good.def.entries.work;
  const call = (n: number) => gw.call(work, { n });
  /** Calls one at a time until the bad node has been reached `hits` times; returns the failures seen there. */
  const untilBadHit = async (hits: number) => {
    const codes: string[] = [];
    for (let i = 0; bad.state.hits < hits && i < 200; i++) {
      await call(i).catch((e: unknown) => codes.push((e as TesseraError).code));
    }
    expect(bad.state.hits).toBe(hits);
    return codes;
  };
  return { gw, work, good: good.state, bad: bad.state, call, untilBadHit };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("circuit breaker per remote node", () => {
  it("opens the circuit of a node that keeps answering TESSERA_UNAVAILABLE, then lets one trial call reach it", async () => {
    const openMs = 300;
    const { good, bad, call, untilBadHit } = await twoInstances({ minRequests: 4, threshold: 0.5, openMs });
    bad.behaviour = "unavailable";

    // Four failures on the bad node (and only there): its circuit opens.
    expect(await untilBadHit(4)).toEqual(Array(4).fill("TESSERA_UNAVAILABLE"));

    // Open: every call goes to the healthy node, none reaches the bad one.
    const goodBefore = good.hits;
    for (let i = 0; i < 20; i++) expect(await call(i)).toEqual({ n: i });
    expect(bad.hits).toBe(4);
    expect(good.hits).toBe(goodBefore + 20);

    // After the open period, one trial call (and only one among calls sent together) reaches it.
    await sleep(openMs + 100);
    const burst = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => call(i)));
    expect(bad.hits).toBe(5);
    const failed = burst.filter((r) => r.status === "rejected");
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: "TESSERA_UNAVAILABLE" });

    // The trial failed: open again.
    for (let i = 0; i < 10; i++) expect(await call(i)).toEqual({ n: i });
    expect(bad.hits).toBe(5);

    // Recovered: the next trial succeeds and closes the circuit; the node gets its share again.
    bad.behaviour = "ok";
    await sleep(openMs + 100);
    for (let i = 0; i < 20; i++) expect(await call(i)).toEqual({ n: i });
    expect(bad.hits).toBeGreaterThan(5 + 5);
  });

  it("by default takes a node out of rotation after 5 calls answered TESSERA_UNAVAILABLE", async () => {
    const { bad, call, untilBadHit } = await twoInstances();
    bad.behaviour = "unavailable";
    expect(await untilBadHit(5)).toEqual(Array(5).fill("TESSERA_UNAVAILABLE"));
    for (let i = 0; i < 20; i++) expect(await call(i)).toEqual({ n: i });
    expect(bad.hits).toBe(5);
  });

  it("by default does not open a node's circuit for failures of its handlers (TESSERA_INTERNAL)", async () => {
    const { bad, call, untilBadHit } = await twoInstances();
    // Handler bugs say nothing about the node: it keeps its share of calls.
    bad.behaviour = "crash";
    expect(await untilBadHit(10)).toEqual(Array(10).fill("TESSERA_INTERNAL"));
    bad.behaviour = "ok";
    for (let i = 0; i < 20; i++) expect(await call(i)).toEqual({ n: i });
    expect(bad.hits).toBeGreaterThan(10 + 5);
  });

  it("regression: a call whose deadline passed before it was sent does not take the half-open trial for good", async () => {
    const openMs = 200;
    const { gw, work, bad, call, untilBadHit } = await twoInstances({ minRequests: 4, openMs });
    bad.behaviour = "unavailable";
    await untilBadHit(4);
    await sleep(openMs + 50);
    // The deadline runs out between the caller's check and the choice of a node (here: given
    // already past to the router). In turn, one of these tries the bad node first.
    for (let i = 0; i < 4; i++) {
      const err = await gw.router
        .send(work, new Uint8Array(0), {}, Date.now() - 1, () => undefined)
        .catch((e) => e);
      expect(err).toMatchObject({ code: "TESSERA_TIMEOUT" });
    }
    expect(bad.hits).toBe(4);
    // The node recovered: its trial call is let through and closes the circuit.
    bad.behaviour = "ok";
    for (let i = 0; i < 20; i++) expect(await call(i)).toEqual({ n: i });
    expect(bad.hits).toBeGreaterThan(4 + 5);
  });
});
