import { describe, expect, it } from "vitest";
import { z } from "zod";
import { entry } from "../../src/core/entry.js";
import { event } from "../../src/core/event.js";
import { service } from "../../src/core/service.js";
import type { SubscribeOptions } from "../../src/core/subscription.js";
import { subscribe } from "../../src/core/subscription.js";
import { captureLogger, createMemoryBus, failsWith, sleep, useNodes, waitFor } from "./fixtures.js";

const orderPlaced = event("order.placed", z.object({ id: z.number().int() }));

/** One instance of a subscribing service: same name on every node, its own record of what it got. */
function subscriber(name: string, options: SubscribeOptions = {}) {
  const got: number[] = [];
  const svc = service(name, {
    on: {
      placed: subscribe(
        orderPlaced,
        ({ id }) => {
          got.push(id);
        },
        options,
      ),
    },
  });
  return { svc, got };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);

describe("event delivery", () => {
  const startNode = useNodes();

  it("balanced (default): each event reaches one instance of each subscribing service", async () => {
    const bus = createMemoryBus();
    const audit1 = subscriber("audit");
    const audit2 = subscriber("audit");
    const mailer = subscriber("mailer");
    await startNode({ bus, services: [audit1.svc, mailer.svc] });
    await startNode({ bus, services: [audit2.svc] });
    const emitter = await startNode({ bus, services: [] });
    for (const id of ids(20)) await emitter.emit(orderPlaced, { id });
    await waitFor(() => {
      expect(audit1.got.length + audit2.got.length).toBe(20);
      expect(mailer.got).toHaveLength(20);
    });
    await sleep(50);
    expect(sorted([...audit1.got, ...audit2.got])).toEqual(ids(20));
    expect(sorted(mailer.got)).toEqual(ids(20));
    expect(audit1.got.length).toBeGreaterThan(0);
    expect(audit2.got.length).toBeGreaterThan(0);
  });

  it("broadcast: each event reaches every instance", async () => {
    const bus = createMemoryBus();
    const cache1 = subscriber("cache", { delivery: "broadcast" });
    const cache2 = subscriber("cache", { delivery: "broadcast" });
    await startNode({ bus, services: [cache1.svc] });
    await startNode({ bus, services: [cache2.svc] });
    const emitter = await startNode({ bus, services: [] });
    for (const id of ids(10)) await emitter.emit(orderPlaced, { id });
    await waitFor(() => {
      expect(cache1.got).toHaveLength(10);
      expect(cache2.got).toHaveLength(10);
    });
    await sleep(50);
    expect(sorted(cache1.got)).toEqual(ids(10));
    expect(sorted(cache2.got)).toEqual(ids(10));
  });

  it("emits from a handler with ctx.emit, carrying the request id and identity", async () => {
    const seen: { requestId: string; identity: unknown }[] = [];
    const shop = service("shop", {
      entries: {
        place: entry({ input: z.object({ id: z.number() }) }, async ({ id }, ctx) => {
          await ctx.emit(orderPlaced, { id });
          return ctx.requestId;
        }),
      },
    });
    const log = service("log", {
      on: {
        placed: subscribe(orderPlaced, (_e, ctx) => {
          seen.push({ requestId: ctx.requestId, identity: ctx.identity });
        }),
      },
    });
    const bus = createMemoryBus();
    await startNode({ bus, services: [log] });
    const node = await startNode({ bus, services: [shop] });
    const requestId = await node.call(shop.entries.place, { id: 1 }, { identity: { sub: "bob" } });
    await waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toEqual({ requestId, identity: { sub: "bob" } });
  });

  it("fails the emitter with TESSERA_VALIDATION for an invalid payload, and delivers nothing", async () => {
    const audit = subscriber("audit");
    const node = await startNode({ services: [audit.svc] });
    const err = await failsWith(node.emit(orderPlaced, { id: 1.5 }), "TESSERA_VALIDATION");
    expect(err.details).toEqual({ issues: [{ path: "id", message: expect.any(String) }] });
    const bad = service("bad", {
      entries: { go: entry((_input, ctx) => ctx.emit(orderPlaced, { id: "x" } as never)) },
    });
    const other = await startNode({ services: [bad] });
    await failsWith(other.call(bad.entries.go), "TESSERA_VALIDATION");
    await node.emit(orderPlaced, { id: 2 });
    await waitFor(() => expect(audit.got).toEqual([2]));
  });
  it("drops (and logs) an event whose payload fails the schema on receipt, and keeps receiving", async () => {
    const audit = subscriber("audit");
    const { logger, lines } = captureLogger();
    const node = await startNode({ services: [audit.svc], logger });
    // A peer that does not validate what it publishes.
    await node.transport.publish("tessera.evt.order.placed", new TextEncoder().encode('{"id":"seven"}'));
    await node.emit(orderPlaced, { id: 8 });
    await waitFor(() => expect(audit.got).toEqual([8]));
    expect(
      lines.some((l) => l.msg === "audit.on.placed: event order.placed dropped, its payload is invalid"),
    ).toBe(true);
  });
});

describe("a failing subscriber", () => {
  const startNode = useNodes();

  it("is retried per its policy, then the event is dropped and logged, and later events still arrive", async () => {
    const attempts = new Map<number, number>();
    const handled: number[] = [];
    const flaky = service("flaky", {
      on: {
        placed: subscribe(
          orderPlaced,
          ({ id }) => {
            const n = (attempts.get(id) ?? 0) + 1;
            attempts.set(id, n);
            if (id === 1) throw new Error("always fails on 1");
            if (id === 2 && n < 3) throw new Error("fails twice on 2");
            handled.push(id);
          },
          { retry: { attempts: 4, baseDelayMs: 1 } },
        ),
      },
    });
    const { logger, lines } = captureLogger();
    const node = await startNode({ services: [flaky], logger });
    await node.emit(orderPlaced, { id: 1 });
    await waitFor(() =>
      expect(
        lines.some((l) => l.msg === "flaky.on.placed: event order.placed dropped after 4 attempts"),
      ).toBe(true),
    );
    expect(attempts.get(1)).toBe(4);
    await node.emit(orderPlaced, { id: 2 });
    await node.emit(orderPlaced, { id: 3 });
    await waitFor(() => expect(sorted(handled)).toEqual([2, 3]));
    expect(attempts.get(2)).toBe(3);
    expect(attempts.get(3)).toBe(1);
    const warnings = lines.filter((l) => l.level === "warn" && String(l.msg).includes("retrying"));
    expect(warnings).toHaveLength(3 + 2);
    expect(lines.filter((l) => String(l.msg).includes("dropped"))).toHaveLength(1);
  });

  it("uses 3 attempts by default", async () => {
    let calls = 0;
    const failing = service("failing", {
      on: {
        placed: subscribe(orderPlaced, () => {
          calls++;
          throw new Error("nope");
        }),
      },
    });
    const { logger, lines } = captureLogger();
    const node = await startNode({ services: [failing], logger });
    await node.emit(orderPlaced, { id: 1 });
    await waitFor(() =>
      expect(lines.some((l) => String(l.msg).includes("dropped after 3 attempts"))).toBe(true),
    );
    expect(calls).toBe(3);
  });

  it("does not hold up the other subscribers of the same event", async () => {
    const fine = subscriber("fine");
    const broken = service("broken", {
      on: {
        placed: subscribe(
          orderPlaced,
          () => {
            throw new Error("broken");
          },
          { retry: { attempts: 1 } },
        ),
      },
    });
    const node = await startNode({ services: [broken, fine.svc] });
    for (const id of ids(5)) await node.emit(orderPlaced, { id });
    await waitFor(() => expect(sorted(fine.got)).toEqual(ids(5)));
  });
});
