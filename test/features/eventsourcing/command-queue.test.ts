import { describe, expect, it, vi } from "vitest";
import { memoryEventStore } from "../../../src/adapters/memory/index.js";
import { eventSourcing } from "../../../src/features/eventsourcing/index.js";
import type { TesseraError } from "../../../src/index.js";
import { add, addAtMost, counter } from "./fixtures.js";

const setup = () => {
  const store = memoryEventStore();
  const transactions = vi.spyOn(store, "transaction");
  const repo = eventSourcing({ store }).repository(counter);
  return { store, repo, transactions };
};

describe("commands on one aggregate in one process (issue 17, bug 8)", () => {
  it("are queued and written in batches, not raced: 100 updates, far fewer writes, no conflict", async () => {
    const { store, repo, transactions } = setup();
    const a = await repo.create(add(0));
    transactions.mockClear();
    const done = await Promise.all(Array.from({ length: 100 }, () => repo.update(a.id, add(1))));
    expect((await repo.get(a.id)).state.count).toBe(100);
    expect(transactions.mock.calls.length).toBeLessThan(10);
    // Each command gets the entity as its own events left it.
    expect(done.map((e) => e.version).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 2),
    );
    expect(done.every((e) => e.state.count === e.version - 1)).toBe(true);
    // One lifecycle message per command, as without batching.
    const names = (await store.claimOutbox(1000, 1000)).map((m) => m.name);
    expect(names.filter((n) => n === "CounterUpdated")).toHaveLength(100);
  });

  it("decide each command on the state the previous ones left: a refused one fails alone", async () => {
    const { repo } = setup();
    const a = await repo.create(add(0));
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => repo.update(a.id, addAtMost(1, 6))),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(6);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused).toHaveLength(4);
    expect(refused.every((r) => (r.reason as TesseraError).code === "TESSERA_CONFLICT")).toBe(true);
    expect((await repo.get(a.id)).state.count).toBe(6);
  });

  it("an invalid event fails only its own command of the batch", async () => {
    const { repo } = setup();
    const a = await repo.create(add(0));
    const results = await Promise.allSettled([
      repo.update(a.id, add(1)),
      repo.update(a.id, add(0.5)),
      repo.update(a.id, add(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await repo.get(a.id)).state.count).toBe(3);
  });

  it("a key given twice in one batch writes once", async () => {
    const { store, repo } = setup();
    const a = await repo.create(add(0));
    await Promise.all([
      repo.update(a.id, add(5), { idempotencyKey: "k" }),
      repo.update(a.id, add(5), { idempotencyKey: "k" }),
      repo.update(a.id, add(1)),
    ]);
    expect((await repo.get(a.id)).state.count).toBe(6);
    expect(await store.streamVersion(`counter-${a.id}`)).toBe(3);
  });

  it("a delete queued behind updates applies after them; later updates are not found", async () => {
    const { repo } = setup();
    const a = await repo.create(add(0));
    const results = await Promise.allSettled([
      repo.update(a.id, add(1)),
      repo.delete(a.id),
      repo.update(a.id, add(1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    expect(((results[2] as PromiseRejectedResult).reason as TesseraError).code).toBe("TESSERA_NOT_FOUND");
    expect((await repo.load(a.id))?.deleted).toBe(true);
  });

  it("streams do not wait for each other", async () => {
    const { store, repo } = setup();
    const a = await repo.create(add(0));
    const b = await repo.create(add(0));
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const read = store.readStream.bind(store);
    vi.spyOn(store, "readStream").mockImplementation(async (stream, options) => {
      if (stream === `counter-${a.id}`) await gate;
      return read(stream, options);
    });
    const stuck = repo.update(a.id, add(1));
    expect((await repo.update(b.id, add(1))).state.count).toBe(1);
    release();
    expect((await stuck).state.count).toBe(1);
  });
});

describe("an empty idempotency key (issue 17 follow-up, item 5d)", () => {
  it("is refused with TESSERA_VALIDATION by create, save, update and delete, and nothing is written", async () => {
    const { store, repo } = setup();
    const a = await repo.create(add(0));
    const attempts = [
      repo.create(add(1), { idempotencyKey: "" }),
      repo.save(a, add(1)(), { idempotencyKey: "" }),
      repo.update(a.id, add(1), { idempotencyKey: "" }),
      repo.delete(a.id, { idempotencyKey: "" }),
    ];
    for (const r of await Promise.allSettled(attempts)) {
      expect(r.status).toBe("rejected");
      expect(((r as PromiseRejectedResult).reason as TesseraError).code).toBe("TESSERA_VALIDATION");
    }
    expect(await store.readAll()).toHaveLength(1);
  });
});
