import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, memoryTransport } from "../../src/adapters/memory/index.js";
import { deadLetterHeaders } from "../../src/core/durable-streams.js";
import { subjects } from "../../src/core/subjects.js";
import type { Transport } from "../../src/core/transport.js";
import type { TransportMessage } from "../../src/core/transport-message.js";
import { createNode, event, service, silentLogger, subscribe } from "../../src/index.js";

const paid = event("invoice.paid", z.object({ n: z.number() }), { durable: true });

function billing(seen: number[], failUntil: (n: number) => number) {
  const attempts = new Map<number, number>();
  return service("billing", {
    on: {
      settle: subscribe(
        paid,
        ({ n }) => {
          const k = (attempts.get(n) ?? 0) + 1;
          attempts.set(n, k);
          seen.push(n);
          if (k < failUntil(n)) throw new Error(`attempt ${k} of ${n} fails`);
        },
        { retry: { attempts: 3, baseDelayMs: 5 } },
      ),
    },
  });
}

describe("durable events, embedded (memory transport)", () => {
  it("keeps events for a stopped subscriber, redelivers failures, dead-letters after the last attempt, deduplicates", async () => {
    const bus = createMemoryBus();
    const seen: number[] = [];
    // 1 passes at once, 2 fails twice then passes, 3 never passes.
    const svc = billing(seen, (n) => (n === 1 ? 1 : n === 2 ? 3 : 99));
    const sub1 = createNode({ services: [svc], transport: memoryTransport({ bus }), logger: silentLogger });
    await sub1.start();
    await sub1.stop();

    const pub = createNode({ services: [], transport: memoryTransport({ bus }), logger: silentLogger });
    await pub.start();
    const dead: TransportMessage[] = [];
    await pub.transport.subscribe(subjects.deadLetter("billing", "settle"), {}, (m) => {
      dead.push(m);
    });
    for (const n of [1, 1, 2, 3]) await pub.emit(paid, { n }, { id: `inv-${n}` });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);

    const sub2 = createNode({ services: [svc], transport: memoryTransport({ bus }), logger: silentLogger });
    await sub2.start();
    await vi.waitFor(() => {
      expect(seen.filter((n) => n === 1)).toHaveLength(1);
      expect(seen.filter((n) => n === 2)).toHaveLength(3);
      expect(seen.filter((n) => n === 3)).toHaveLength(3);
      expect(dead).toHaveLength(1);
    });
    expect(dead[0]!.headers[deadLetterHeaders.consumer]).toBe("billing.settle");
    expect(dead[0]!.headers[deadLetterHeaders.error]).toContain("attempt 3 of 3 fails");
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toHaveLength(7);
    await sub2.stop();
    await pub.stop();
  });

  it("dead-letters an event whose payload fails its schema at once", async () => {
    const bus = createMemoryBus();
    const seen: number[] = [];
    const node = createNode({
      services: [billing(seen, () => 1)],
      transport: memoryTransport({ bus }),
      logger: silentLogger,
    });
    await node.start();
    const dead: TransportMessage[] = [];
    await node.transport.subscribe(subjects.deadLetter("billing", "settle"), {}, (m) => {
      dead.push(m);
    });
    await node.transport.durable!.publish(
      subjects.event("invoice.paid"),
      new TextEncoder().encode('{"n":"x"}'),
    );
    await vi.waitFor(() => expect(dead).toHaveLength(1));
    expect(dead[0]!.headers[deadLetterHeaders.deliveries]).toBe("1");
    expect(seen).toEqual([]);
    await node.stop();
  });

  it("refuses to start a durable subscription on a transport without durable streams", async () => {
    const plain = memoryTransport();
    const bare: Transport = new Proxy(plain, {
      get: (t, k) => (k === "durable" ? undefined : Reflect.get(t, k, t)),
    });
    const node = createNode({ services: [billing([], () => 1)], transport: bare, logger: silentLogger });
    await expect(node.start()).rejects.toThrow(
      /invoice.paid is durable but the memory transport has no durable streams/,
    );
  });
});
