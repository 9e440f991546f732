import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import type { Departure, NodeInfo } from "../../../src/core/endpoint-registry.js";
import type { Transport } from "../../../src/core/transport.js";
import { discoverySubjects } from "../../../src/features/discovery/discovery.js";
import { discovery } from "../../../src/features/discovery/index.js";
import { encodeInfo } from "../../../src/features/discovery/node-info.js";
import {
  createNode,
  entry,
  service,
  silentLogger,
  TesseraError,
  type TesseraNode,
} from "../../../src/index.js";

// Small intervals: a node is dropped once silent past 50 × 3 = 150 ms. The observer checks once
// per heartbeat, so a drop comes at most bound + one interval after the last heartbeat heard;
// the upper bounds below add a wide margin for a loaded machine.
const heartbeatMs = 50;
const missed = 3;
const bound = heartbeatMs * missed;
const dropWithinMs = bound + heartbeatMs + 500;

const Message = z.object({ message: z.string() });
const text = service("text", {
  entries: {
    upper: entry({ input: Message, output: Message }, ({ message }) => ({ message: message.toUpperCase() })),
  },
});

const nodes: TesseraNode[] = [];
const transports: Transport[] = [];
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
  await Promise.allSettled(transports.splice(0).map((t) => t.close()));
});

/** A transport whose heartbeats can be silenced while everything else (its connection included) works on. */
function muteable(bus: MemoryBus): { transport: Transport; mute(on: boolean): void } {
  const inner = memoryTransport({ bus, drainTimeoutMs: 50 });
  let muted = false;
  const transport = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "publish") {
        return (subject: string, data: Uint8Array, headers?: Readonly<Record<string, string>>) =>
          muted && subject === discoverySubjects.heartbeat
            ? Promise.resolve()
            : target.publish(subject, data, headers);
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    transport,
    mute: (on) => {
      muted = on;
    },
  };
}

async function startNode(transport: Transport, id: string, run: readonly string[]) {
  const node = createNode({
    id,
    services: [text],
    run,
    transport,
    logger: silentLogger,
    drainTimeout: 200,
    plugins: [discovery({ heartbeatMs, missedHeartbeats: missed })],
  });
  nodes.push(node);
  await node.start();
  return node;
}

/** Records when and why each node leaves the registry of `node`. */
function departures(node: TesseraNode) {
  const seen: { id: string; why: Departure; at: number }[] = [];
  node.registry.onDeparture((id, why) => seen.push({ id, why, at: Date.now() }));
  return seen;
}

describe("heartbeat expiry", () => {
  it("drops a node that stops heartbeating while still connected, and calls go to the live instance", async () => {
    const bus = createMemoryBus();
    const gw = await startNode(memoryTransport({ bus, drainTimeoutMs: 50 }), "gw", []);
    const quiet = muteable(bus);
    const silent = await startNode(quiet.transport, "silent", ["text"]);
    const live = await startNode(memoryTransport({ bus, drainTimeoutMs: 50 }), "live", ["text"]);
    await vi.waitFor(() => expect(gw.registry.instances("text")).toHaveLength(2));
    const left = departures(gw);

    // Several bounds with heartbeats flowing: nobody is dropped.
    await new Promise((r) => setTimeout(r, bound * 3));
    expect(left).toEqual([]);

    const t0 = Date.now();
    quiet.mute(true);
    await vi.waitFor(() => expect(gw.registry.get("silent")).toBeUndefined(), {
      timeout: dropWithinMs + 1000,
      interval: 10,
    });
    // Dropped for its silence, not because a call or a probe found it gone: it still serves.
    expect(left).toEqual([{ id: "silent", why: "silent", at: expect.any(Number) }]);
    expect(left[0]!.at - t0).toBeLessThanOrEqual(dropWithinMs);
    expect(silent.status).toBe("running");
    expect(gw.registry.instances("text").map((n) => n.id)).toEqual(["live"]);

    // Calls go to the live instance only.
    const before = [silent.info().load.served, live.info().load.served];
    for (let i = 0; i < 10; i++) {
      expect(await gw.call(text.entries.upper, { message: `m${i}` })).toEqual({ message: `M${i}` });
    }
    expect(silent.info().load.served).toBe(before[0]);
    expect(live.info().load.served).toBe(before[1]! + 10);

    // Heard of again, it is back.
    quiet.mute(false);
    await vi.waitFor(() => expect(gw.registry.instances("text")).toHaveLength(2), { timeout: 2000 });
  });

  it("drops a peer that only announced itself, then fails calls fast with TESSERA_UNAVAILABLE", async () => {
    const bus = createMemoryBus();
    const gw = await startNode(memoryTransport({ bus, drainTimeoutMs: 50 }), "gw", []);
    const left = departures(gw);
    // A fake announcer: its connection stays open, it heartbeats a few times and then falls silent.
    const fake = memoryTransport({ bus });
    transports.push(fake);
    await fake.connect();
    const info: NodeInfo = {
      id: "ghost",
      host: "elsewhere",
      pid: 1,
      version: "1.0.0",
      stage: "dev",
      services: [{ name: "text", entries: ["upper"] }],
      startedAt: Date.now(),
      transport: "memory",
      ready: true,
      load: { inFlight: 0, served: 0 },
    };
    for (let i = 0; i < 4; i++) {
      await fake.publish(discoverySubjects.heartbeat, encodeInfo(info));
      await vi.waitFor(() => expect(gw.registry.get("ghost")).toBeDefined());
      await new Promise((r) => setTimeout(r, heartbeatMs));
    }
    const t0 = Date.now();
    await vi.waitFor(() => expect(gw.registry.get("ghost")).toBeUndefined(), {
      timeout: dropWithinMs + 1000,
      interval: 10,
    });
    expect(left).toEqual([{ id: "ghost", why: "silent", at: expect.any(Number) }]);
    expect(left[0]!.at - t0).toBeLessThanOrEqual(dropWithinMs);
    expect(gw.registry.instances("text")).toEqual([]);

    const t1 = Date.now();
    const err = await gw
      .call(text.entries.upper, { message: "x" }, { timeout: 5000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_UNAVAILABLE");
    // Fast: well before the call's deadline.
    expect(Date.now() - t1).toBeLessThan(1000);
  });
});
