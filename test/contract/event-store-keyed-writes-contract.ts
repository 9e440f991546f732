import { afterEach, describe, expect, it } from "vitest";
import { aggregate, type DomainEvent, eventSourcing } from "../../src/features/eventsourcing/index.js";
import type { EventStore } from "../../src/ports/event-store.js";
import type { StoreFactory, StoreFixture } from "./event-store-contract.js";

type Money = DomainEvent<"opened", Record<string, never>> | DomainEvent<"moved", { cents: number }>;
const options = {
  initial: () => ({ cents: 0 }),
  evolve: (s: { cents: number }, e: Money) => (e.type === "moved" ? { cents: s.cents + e.data.cents } : s),
};
const order = aggregate("order", options);
const payment = aggregate("payment", options);
const moved = (cents: number) => (): Money => ({ type: "moved", data: { cents } });

/**
 * Issue 17 follow-up, item 2, on every `EventStore` adapter: one idempotency key given to writes on
 * several aggregates (a saga step moving money between two accounts) dedups per stream — each
 * write is done once, none is refused because another stream holds the key.
 */
export function eventStoreKeyedWritesContract(name: string, factory: StoreFactory, skip = false): void {
  describe.skipIf(skip)(`event store keyed writes contract: ${name}`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async (): Promise<EventStore> => {
      const f = await factory({});
      fixtures.push(f);
      return f.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
    });

    it("one key creates on two aggregates, each once", async () => {
      const es = eventSourcing({ store: await open() });
      const orders = es.repository(order);
      const payments = es.repository(payment);
      const o = await orders.create(moved(1), { idempotencyKey: "req-42" });
      const p = await payments.create(moved(2), { idempotencyKey: "req-42" });
      expect((await payments.create(moved(2), { idempotencyKey: "req-42" })).id).toBe(p.id);
      expect((await orders.create(moved(1), { idempotencyKey: "req-42" })).id).toBe(o.id);
      expect((await orders.get(o.id)).version).toBe(1);
      expect((await payments.get(p.id)).version).toBe(1);
    });

    it("one key updates two aggregates of one kind, each once (money moved between two accounts)", async () => {
      const es = eventSourcing({ store: await open() });
      const payments = es.repository(payment);
      const a = await payments.create(moved(10));
      const b = await payments.create(moved(0));
      await payments.update(a.id, moved(-4), { idempotencyKey: "u-1" });
      await payments.update(b.id, moved(4), { idempotencyKey: "u-1" });
      // The step replayed: nothing moves again.
      await payments.update(a.id, moved(-4), { idempotencyKey: "u-1" });
      await payments.update(b.id, moved(4), { idempotencyKey: "u-1" });
      expect((await payments.get(a.id)).state.cents).toBe(6);
      expect((await payments.get(b.id)).state.cents).toBe(4);
      expect((await payments.get(a.id)).version).toBe(2);
    });

    it("one key saves to two aggregates and deletes one of them, each once", async () => {
      const es = eventSourcing({ store: await open() });
      const orders = es.repository(order);
      const payments = es.repository(payment);
      const o = await orders.create(moved(0));
      const p = await payments.create(moved(0));
      await orders.save(o, moved(3)(), { idempotencyKey: "s-1" });
      await payments.save(p, moved(3)(), { idempotencyKey: "s-1" });
      await payments.save(p, moved(3)(), { idempotencyKey: "s-1" });
      await orders.delete(o.id, { idempotencyKey: "s-2" });
      await payments.update(p.id, moved(1), { idempotencyKey: "s-2" });
      expect((await orders.load(o.id))?.deleted).toBe(true);
      expect((await payments.get(p.id)).state.cents).toBe(4);
    });
  });
}
