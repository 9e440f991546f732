import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { discovery } from "../../../src/features/discovery/index.js";
import {
  createGateway,
  createNode,
  entry,
  type NodeOptions,
  service,
  silentLogger,
  TesseraError,
  type TesseraNode,
  type Topology,
} from "../../../src/index.js";
import { testClient } from "../../../src/testing/index.js";

const Message = z.object({ message: z.string() });
let hold: Promise<void> | undefined;

const text = service("text", {
  retry: { attempts: 3, baseDelayMs: 5 },
  authorize: (token) => (token === "secret" ? { sub: "ops" } : false),
  entries: {
    upper: entry({ input: Message, output: Message }, async ({ message }) => {
      if (message === "hold") await hold;
      return { message: message.toUpperCase() };
    }),
    getWhoami: entry((_input, ctx) => ({ sub: ctx.identity?.sub ?? null })),
  },
});

const nodes: TesseraNode[] = [];
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
});

async function startNode(bus: MemoryBus, run: readonly string[], extra: Partial<NodeOptions> = {}) {
  const node = createNode({
    services: [text],
    run,
    transport: memoryTransport({ bus, drainTimeoutMs: 50 }),
    logger: silentLogger,
    drainTimeout: 200,
    plugins: [discovery({ heartbeatMs: 40, missedHeartbeats: 3 })],
    ...extra,
  });
  nodes.push(node);
  await node.start();
  return node;
}

const ids = (t: Topology) => t.nodes.map((n) => n.id).sort();

describe("discovery and topology", () => {
  it("lists the live nodes with their services and entries, and serves GET /registry", async () => {
    const bus = createMemoryBus();
    const gw = await startNode(bus, [], { id: "gw" });
    const a = await startNode(bus, ["text"], { id: "a", version: "1.2.3" });
    await vi.waitFor(() => expect(ids(gw.topology())).toEqual(["a"]));
    const res = await testClient(createGateway(gw)).get("/registry");
    expect(res.status).toBe(200);
    const topo = res.body as Topology;
    expect(topo.discovery).toBe(true);
    expect(topo.self).toMatchObject({ id: "gw", services: [], ready: true });
    expect(topo.nodes[0]).toMatchObject({
      id: a.id,
      version: "1.2.3",
      pid: process.pid,
      stage: "dev",
      transport: "memory",
      ready: true,
      services: [{ name: "text", entries: ["upper", "getWhoami"] }],
    });
    expect(typeof topo.nodes[0]!.host).toBe("string");
  });

  it("balances calls over the instances of a service", async () => {
    const bus = createMemoryBus();
    const gw = await startNode(bus, []);
    const a = await startNode(bus, ["text"]);
    const b = await startNode(bus, ["text"]);
    await vi.waitFor(() => expect(gw.registry.instances("text")).toHaveLength(2));
    const before = [a.info().load.served, b.info().load.served];
    const out = await Promise.all(
      Array.from({ length: 40 }, (_, i) => gw.call(text.entries.upper, { message: `m${i}` })),
    );
    expect(out[7]).toEqual({ message: "M7" });
    const served = [a.info().load.served - before[0]!, b.info().load.served - before[1]!];
    expect(served[0]! + served[1]!).toBe(40);
    expect(Math.min(...served)).toBeGreaterThan(5);
  });

  it("routes HTTP from a node without local services with the same routes, validation and auth", async () => {
    const bus = createMemoryBus();
    const gw = await startNode(bus, []);
    await startNode(bus, ["text"]);
    await vi.waitFor(() => expect(gw.registry.instances("text")).toHaveLength(1));
    const client = testClient(createGateway(gw));
    const auth = { headers: { authorization: "Bearer secret" } };
    expect((await client.post("/text/upper", { message: "hi" }, auth)).body).toEqual({ message: "HI" });
    const invalid = await client.post("/text/upper", { message: 5 }, auth);
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({
      error: { code: "TESSERA_VALIDATION", details: { issues: [{ path: "message" }] } },
    });
    expect((await client.post("/text/upper", { message: "hi" })).status).toBe(401);
    expect(
      (await client.post("/text/upper", { message: "hi" }, { headers: { authorization: "Bearer no" } }))
        .status,
    ).toBe(403);
    // The identity checked at the edge travels to the remote handler.
    expect((await client.get("/text/whoami", auth)).body).toEqual({ sub: "ops" });
    expect((await client.get("/openapi.json")).body).toMatchObject({ paths: { "/text/upper": {} } });
  });

  it("deregisters a node that stops gracefully, and its calls in flight still complete", async () => {
    const bus = createMemoryBus();
    const gw = await startNode(bus, []);
    const a = await startNode(bus, ["text"], { id: "leaving" });
    await vi.waitFor(() => expect(gw.registry.instances("text")).toHaveLength(1));
    let release!: () => void;
    hold = new Promise((r) => {
      release = r;
    });
    const pending = gw.call(text.entries.upper, { message: "hold" });
    await vi.waitFor(() => expect(a.pending).toBe(1));
    const stopping = a.stop();
    await vi.waitFor(() => expect(gw.registry.get("leaving")).toBeUndefined());
    release();
    await expect(pending).resolves.toEqual({ message: "HOLD" });
    await stopping;
  });

  it("fails fast with TESSERA_UNAVAILABLE when no instance is live", async () => {
    const bus = createMemoryBus();
    const gw = await startNode(bus, []);
    const t0 = Date.now();
    const err = await gw.call(text.entries.upper, { message: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_UNAVAILABLE");
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it("fails the calls in flight on a node that dies over to a survivor, and forgets the dead node", async () => {
    const bus = createMemoryBus();
    const gw = await startNode(bus, []);
    const doomed = await startNode(bus, ["text"], { id: "doomed" });
    await vi.waitFor(() => expect(gw.registry.instances("text")).toHaveLength(1));
    hold = new Promise(() => undefined); // never released: the call is stuck on the doomed node
    const stuck = gw.call(text.entries.upper, { message: "hold" }, { timeout: 10_000 });
    await vi.waitFor(() => expect(doomed.pending).toBe(1));
    hold = undefined;
    await startNode(bus, ["text"], { id: "survivor" });
    await vi.waitFor(() => expect(gw.registry.instances("text")).toHaveLength(2));
    // A crash: its subscriptions vanish without a `leave` (the transport is closed under the node).
    const t0 = Date.now();
    void doomed.transport.close();
    // The retry policy of `text` reaches the survivor long before the deadline.
    await expect(stuck).resolves.toEqual({ message: "HOLD" });
    expect(Date.now() - t0).toBeLessThan(2000);
    await vi.waitFor(() => expect(ids(gw.topology())).toEqual(["survivor"]), { timeout: 2000 });
  });

  it("refuses to run a service it does not know", () => {
    expect(() =>
      createNode({ services: [text], run: ["txet"], transport: memoryTransport(), logger: silentLogger }),
    ).toThrow(/unknown service txet to run \(known: text\)/);
  });
});
