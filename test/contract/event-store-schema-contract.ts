import { afterEach, describe, expect, it } from "vitest";
import { TesseraError } from "../../src/core/errors.js";
import {
  aggregate,
  type DomainEvent,
  eventSourcing,
  projection,
} from "../../src/features/eventsourcing/index.js";
import type { EventStore, Upcaster } from "../../src/ports/event-store.js";
import type { StoreFactory, StoreFixture } from "./event-store-contract.js";

async function rejection(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    return err as TesseraError;
  }
  throw new Error("expected a rejection, got a result");
}

const ID = "7f0c3c1e-5b7a-4c8e-9a57-1a2b3c4d5e6f";

/** The upcaster: deposits were in units, they are in cents since schema 2. */
const toCents: Upcaster = {
  type: "deposited",
  from: 1,
  up: (d) => ({ cents: (d as { amount: number }).amount * 100 }),
};

interface Account {
  readonly cents: number;
}
type AccountEvent =
  | DomainEvent<"opened", Record<string, never>>
  | DomainEvent<"deposited", { cents: number }>;
const accountOptions = {
  initial: (): Account => ({ cents: 0 }),
  evolve: (s: Account, e: AccountEvent): Account =>
    e.type === "deposited" ? { cents: s.cents + e.data.cents } : s,
};
const account = aggregate("account", accountOptions);
const deposit = (cents: number) => (): AccountEvent => ({ type: "deposited", data: { cents } });

const balances = projection<AccountEvent>({
  name: "balances",
  mode: "inline",
  from: account,
  collections: ["balances"],
  async handle(e, docs) {
    if (e.type !== "deposited") return;
    const doc = (await docs.get<{ cents: number }>("balances", e.aggregateId)) ?? { cents: 0 };
    await docs.put("balances", e.aggregateId, { cents: doc.cents + e.data.cents });
  },
});

/**
 * Issue 17, part A, on every `EventStore` adapter: schema versions (bug 1), event ids unique across
 * the store as a `TESSERA_CONFLICT` (bug 3), idempotent `create` without an id (bug 3), and 200
 * concurrent commands on one aggregate through one process (bug 8). Each adapter's test file calls
 * it next to `eventStoreContract`, with the same factory.
 */
export function eventStoreSchemaContract(name: string, factory: StoreFactory, skip = false): void {
  describe.skipIf(skip)(`event store schema contract: ${name}`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async (options: { upcasters?: readonly Upcaster[] } = {}): Promise<EventStore> => {
      const f = await factory(options);
      fixtures.push(f);
      return f.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
    });

    it("stores an event given no schema at its type's current schema, so an upcaster does not run on it (bug 1)", async () => {
      const store = await open({ upcasters: [toCents] });
      expect(store.currentSchema("deposited")).toBe(2);
      expect(store.currentSchema("opened")).toBe(1);
      await store.append("a", [{ type: "deposited", data: { amount: 2 }, schema: 1 }]);
      const r = await store.append("a", [{ type: "deposited", data: { cents: 250 } }]);
      expect(r.events[0]!.schema).toBe(2);
      await store.transaction((tx) => tx.append("a", [{ type: "deposited", data: { cents: 5 } }]));
      const read = await store.readStream("a");
      expect(read.map((e) => [e.data, e.schema])).toEqual([
        [{ cents: 200 }, 2],
        [{ cents: 250 }, 2],
        [{ cents: 5 }, 2],
      ]);
      expect((await store.readAll()).map((e) => e.data)).toEqual(read.map((e) => e.data));
    });

    it("the issue's case: an update after an old event reads back [{cents: 100 × amount}, {cents: 250}] (bug 1)", async () => {
      const store = await open({ upcasters: [toCents] });
      await store.append("account-1", [{ type: "deposited", data: { amount: 5 }, schema: 1 }]);
      const es = eventSourcing({ store, projections: [balances] });
      const repo = es.repository(account);
      const after = await repo.update("1", deposit(250));
      expect(after.state).toEqual({ cents: 750 });
      expect((await store.readStream("account-1")).map((e) => e.data)).toEqual([
        { cents: 500 },
        { cents: 250 },
      ]);
      expect((await repo.get("1")).state).toEqual({ cents: 750 });
      // A projection rebuild replays both events as cents: no document turns into nulls.
      await es.rebuild(balances);
      expect(await store.getDocument("balances", "1")).toEqual({ cents: 750 });
    });

    it("an aggregate's declared schema version is what new events are stored at, and one the upcasters treat as old is refused (bug 1)", async () => {
      const store = await open({ upcasters: [toCents] });
      const v3 = aggregate("account", { ...accountOptions, schemaVersion: 3 });
      const created = await eventSourcing({ store }).repository(v3).create(deposit(1));
      expect((await store.readStream(`account-${created.id}`))[0]!.schema).toBe(3);
      const stale = aggregate("account", { ...accountOptions, eventSchemaVersions: { deposited: 1 } });
      const err = await rejection(eventSourcing({ store }).repository(stale).create(deposit(1)));
      expect(err.code).toBe("TESSERA_DEFINITION");
      expect(err.message).toContain("deposited");
      expect(await store.headPosition()).toBe(1);
    });

    it("refuses an event id already stored, in any stream, with TESSERA_CONFLICT naming it, not a driver error (bug 3)", async () => {
      const store = await open();
      await store.append("a", [{ type: "t", data: {}, id: ID }]);
      for (const attempt of [
        () => store.append("b", [{ type: "t", data: {}, id: ID }], { expectedVersion: 0 }),
        () => store.append("b", [{ type: "t", data: {}, id: ID }]),
        () => store.transaction((tx) => tx.append("b", [{ type: "t", data: {}, id: ID }])),
      ]) {
        const err = await rejection(attempt());
        expect(err.code).toBe("TESSERA_CONFLICT");
        expect(err.details).toMatchObject({ eventId: ID });
      }
      expect(await store.streamVersion("b")).toBe(0);
      expect(await store.readAll()).toHaveLength(1);
    });

    it("create with an idempotencyKey and no id, twice, gives the same aggregate once (bug 3)", async () => {
      const store = await open();
      const repo = eventSourcing({ store }).repository(account);
      const first = await repo.create(deposit(7), { idempotencyKey: "open-ada" });
      const again = await repo.create(deposit(7), { idempotencyKey: "open-ada" });
      expect(again.id).toBe(first.id);
      expect(again.version).toBe(1);
      const both = await Promise.all([
        repo.create(deposit(3), { idempotencyKey: "open-bob" }),
        repo.create(deposit(3), { idempotencyKey: "open-bob" }),
      ]);
      expect(both[1].id).toBe(both[0].id);
      expect(await store.listStreams("account-")).toHaveLength(2);
      expect(await store.readAll()).toHaveLength(2);
    });

    it("200 concurrent deposits on one account through one process all succeed, the balance exact (bug 8)", async () => {
      const store = await open();
      const repo = eventSourcing({ store }).repository(account);
      const a = await repo.create(() => ({ type: "opened", data: {} }));
      const latencies: number[] = [];
      const started = performance.now();
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, async () => {
          const t = performance.now();
          await repo.update(a.id, deposit(1));
          latencies.push(performance.now() - t);
        }),
      );
      const total = performance.now() - started;
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      expect((await repo.get(a.id)).state.cents).toBe(200);
      expect(await store.streamVersion(`account-${a.id}`)).toBe(201);
      latencies.sort((x, y) => x - y);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
      console.info(
        `[${name}] 200 concurrent deposits on one account: 200 ok in ${total.toFixed(0)} ms, ` +
          `latency median ${pct(0.5).toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms, max ${pct(1).toFixed(1)} ms`,
      );
    });
  });
}
