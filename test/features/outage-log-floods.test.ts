// Issue 19, item 4: "during a broker outage one warning is logged per failed write (821 in 2 s),
// with no backoff". Each loop that meets a store or a broker down for 2 s here logs a handful of
// lines (the first failure, with a count in a later line) instead of one per attempt, tries again
// after growing pauses instead of at every update or poll, and says once that it works again.
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  createMemoryBus,
  memoryEventStore,
  memoryFlowStore,
  memoryTransport,
} from "../../src/adapters/memory/index.js";
import { jsonCodec } from "../../src/core/codec.js";
import { TesseraError } from "../../src/core/errors.js";
import type { Logger } from "../../src/core/logger.js";
import type { Transport } from "../../src/core/transport.js";
import { discovery, discoverySubjects } from "../../src/features/discovery/discovery.js";
import { OutboxRelay } from "../../src/features/eventsourcing/outbox-relay.js";
import { createFlowEngine, flow } from "../../src/features/flows/index.js";
import { state } from "../../src/features/states/index.js";
import { StateHolder } from "../../src/features/states/state-holder.js";
import { StateOwner } from "../../src/features/states/state-owner.js";
import { decodeStored, stateSubjects } from "../../src/features/states/state-wire.js";
import { createNode } from "../../src/index.js";
import type { EventStore } from "../../src/ports/event-store.js";
import type { FlowStore } from "../../src/ports/flow-store.js";

const OUTAGE_MS = 2000;
const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => undefined);
});

/** A logger that keeps every line as `level message`. */
function capture(): { logger: Logger; lines: string[]; problems: () => string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  const logger: Logger = {
    debug: () => undefined,
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => logger,
  };
  return { logger, lines, problems: () => lines.filter((l) => !l.startsWith("info")) };
}

/** An object whose `methods` fail with a store failure while `down()`; the rest is the object's own. */
function failing<T extends object>(
  target: T,
  methods: readonly string[],
  down: () => boolean,
  calls: string[],
): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      const v = Reflect.get(t, key, receiver) as unknown;
      if (typeof v !== "function") return v;
      if (typeof key === "string" && methods.includes(key))
        return (...args: unknown[]) => {
          if (!down()) return (v as (...a: unknown[]) => unknown).apply(t, args);
          calls.push(key);
          return Promise.reject(TesseraError.unavailable("the store is unreachable (connect ECONNREFUSED)"));
        };
      return (v as (...a: unknown[]) => unknown).bind(t);
    },
  });
}

const book = state("best", z.object({ min_ask: z.string(), qty: z.number() }), {
  initial: { min_ask: "", qty: 1 },
});

async function transportWithFailingStore(down: () => boolean, calls: string[]): Promise<Transport> {
  const transport = memoryTransport({ bus: createMemoryBus() });
  await transport.connect();
  running.push({ stop: () => transport.close() });
  const store = transport.lastValues!;
  const lastValues = failing(store, ["get", "put", "entry", "putIf"], down, calls);
  return Object.create(transport, { lastValues: { value: lastValues } }) as Transport;
}

describe("a 2 s store outage logged one warning per failed write, with no backoff (issue 19: 821 in 2 s)", () => {
  it("a state's owner patched all along logs one warning and one recovery line, and writes its store a few times, not at every patch", async () => {
    let down = false;
    const attempts: string[] = [];
    const t = await transportWithFailingStore(() => down, attempts);
    const log = capture();
    const owner = new StateOwner(
      book,
      { transport: t, codec: jsonCodec, logger: log.logger },
      { persistMs: 1 },
    );
    await owner.start();
    running.push(owner);
    down = true;
    const until = Date.now() + OUTAGE_MS;
    let patches = 0;
    while (Date.now() < until) {
      await owner.patch({ min_ask: String(++patches) });
      await new Promise((r) => setImmediate(r));
    }
    down = false;
    await vi.waitFor(
      () =>
        expect(log.lines.filter((l) => l.startsWith("info storing the state works again"))).toHaveLength(1),
      {
        timeout: 10_000,
        interval: 50,
      },
    );
    expect(log.problems()).toEqual([
      "warn storing the state failed: the store is unreachable (connect ECONNREFUSED) (retrying; repeats are counted, not logged)",
    ]);
    // Before: a write at every patch (hundreds in 2 s). Now the pauses grow from 200 ms to 5 s.
    expect(patches).toBeGreaterThan(100);
    expect(attempts.length).toBeLessThan(20);
    const stored = decodeStored(jsonCodec, (await t.lastValues!.get(stateSubjects.stored("best")))!);
    expect(stored?.seq).toBe(patches);
  });

  it("a holder whose owner and store are down logs one warning, and asks again after growing pauses", async () => {
    let down = true;
    const attempts: string[] = [];
    const t = await transportWithFailingStore(() => down, attempts);
    const log = capture();
    const holder = new StateHolder(
      book,
      { transport: t, codec: jsonCodec, logger: log.logger },
      {
        retryMs: 20,
        snapshotTimeoutMs: 50,
      },
    );
    await holder.start();
    running.push(holder);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    down = false;
    await vi.waitFor(
      () =>
        expect(
          log.lines.filter((l) => l.startsWith("info requesting a snapshot of the state works again")),
        ).toHaveLength(1),
      { timeout: 10_000, interval: 50 },
    );
    expect(log.problems()).toEqual([
      "warn requesting a snapshot of the state failed: the store is unreachable (connect ECONNREFUSED) (retrying; repeats are counted, not logged)",
    ]);
    // Every 20 ms before, and a warning each time (about 30 in 2 s with the requests' timeouts).
    expect(attempts.length).toBeLessThan(15);
  });

  it("the outbox relay with a failing store logs one warning and one recovery line, then publishes", async () => {
    let down = true;
    const claims: string[] = [];
    const store = memoryEventStore();
    const failingStore = failing<EventStore>(store, ["claimOutbox"], () => down, claims);
    const transport = memoryTransport();
    await transport.connect();
    running.push({ stop: () => transport.close() });
    const log = capture();
    const relay = new OutboxRelay(failingStore, transport, jsonCodec, log.logger, {
      pollMs: 10,
      maxBackoffMs: 5000,
    });
    relay.start();
    running.push(relay);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    down = false;
    await vi.waitFor(
      () =>
        expect(
          log.lines.filter((l) => l.startsWith("info outbox relay: publishing works again")),
        ).toHaveLength(1),
      { timeout: 10_000, interval: 50 },
    );
    // Before: one warning per attempt (5 to 6 in 2 s, then one every 5 s).
    expect(log.problems()).toEqual([
      "warn outbox relay: publishing failed: the store is unreachable (connect ECONNREFUSED) (retrying; repeats are counted, not logged)",
    ]);
    expect(claims.length).toBeLessThan(10);
  });

  it("the flow engine's claim loop with a failing store logs one error and one recovery line, and claims after growing pauses", async () => {
    let down = false;
    const claims: string[] = [];
    const store = failing<FlowStore>(memoryFlowStore(), ["claim"], () => down, claims);
    const log = capture();
    const hello = flow("hello", {}, async () => "hi");
    const engine = createFlowEngine({ store, flows: [hello], pollMs: 10, leaseMs: 2000, logger: log.logger });
    const node = createNode({ services: [], transport: memoryTransport(), logger: log.logger });
    await node.start();
    await engine.start(node);
    running.push(node, engine);
    down = true;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    down = false;
    await vi.waitFor(
      () => expect(log.lines.filter((l) => l.startsWith("info claiming runs works again"))).toHaveLength(1),
      { timeout: 15_000, interval: 50 },
    );
    // Before: an error line at every poll (every 10 ms here: about 200 in 2 s).
    expect(log.problems()).toEqual([
      "error claiming runs failed: the store is unreachable (connect ECONNREFUSED) (retrying; repeats are counted, not logged)",
    ]);
    expect(claims.length).toBeLessThan(20);
    const { run } = await engine.startRun(hello, undefined);
    expect((await engine.awaitRun(run.id, 5000)).status).toBe("completed");
  });

  it("discovery's heartbeats refused by the broker are said once (they were silent), then once more when they go out again", async () => {
    let down = false;
    const transport = memoryTransport();
    const publish = transport.publish.bind(transport);
    vi.spyOn(transport, "publish").mockImplementation((subject, data, headers) =>
      down && subject === discoverySubjects.heartbeat
        ? Promise.reject(TesseraError.unavailable("the broker refused the publication"))
        : publish(subject, data, headers),
    );
    const log = capture();
    const node = createNode({
      services: [],
      transport,
      plugins: [discovery({ heartbeatMs: 20 })],
      logger: log.logger,
    });
    await node.start();
    running.push(node);
    down = true;
    await new Promise((r) => setTimeout(r, 500));
    down = false;
    await vi.waitFor(
      () =>
        expect(
          log.lines.filter((l) => l.startsWith("info discovery: announcing this node works again")),
        ).toHaveLength(1),
      { timeout: 5000, interval: 20 },
    );
    expect(log.problems()).toEqual([
      "warn discovery: announcing this node failed: the broker refused the publication (retrying; repeats are counted, not logged)",
    ]);
  });
});
