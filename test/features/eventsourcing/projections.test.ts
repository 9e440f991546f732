import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { memoryEventStore } from "../../../src/adapters/memory/index.js";
import { sqliteEventStore } from "../../../src/adapters/sqlite/index.js";
import { eventSourcing, projection } from "../../../src/features/eventsourcing/index.js";
import { add, counter, totals } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-projections-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const waitFor = (check: () => Promise<void> | void) => vi.waitFor(check, { timeout: 5000, interval: 10 });

describe("projections", () => {
  it("keeps an inline read model in the append's transaction", async () => {
    const store = memoryEventStore();
    const view = totals("inline");
    const es = eventSourcing({ store, projections: [view] });
    const repo = es.repository(counter);
    const a = await repo.create(add(2));
    await repo.update(a.id, add(3));
    expect(await store.getDocument(view.name, a.id)).toEqual({ count: 5, events: 2 });
    await repo.delete(a.id);
    expect(await store.getDocument(view.name, a.id)).toBeUndefined();
  });

  it("rolls the append back when an inline projection fails", async () => {
    const store = memoryEventStore();
    const broken = projection({
      name: "broken",
      mode: "inline",
      from: counter,
      collections: ["broken"],
      handle: (e) => {
        if (e.type === "added" && e.data.by === 13) throw new Error("unlucky");
      },
    });
    const repo = eventSourcing({ store, projections: [broken] }).repository(counter);
    const a = await repo.create(add(1));
    await expect(repo.update(a.id, add(13))).rejects.toThrow("unlucky");
    expect(await store.streamVersion(`counter-${a.id}`)).toBe(1);
  });

  it("runs an async projection from its durable checkpoint, and resumes it without applying an event twice", async () => {
    const database = new Database(join(dir, "async.db"));
    const store = sqliteEventStore({ database });
    const view = totals("async");
    const first = eventSourcing({ store, projections: [view] });
    const repo = first.repository(counter);
    const a = await repo.create(add(1));
    await first.start();
    for (let i = 0; i < 9; i++) await repo.update(a.id, add(1));
    await first.caughtUp();
    expect(await store.getDocument(view.name, a.id)).toEqual({ count: 10, events: 10 });
    expect(await store.loadCheckpoint(`projection:${view.name}`)).toBe(10);
    expect(await first.lag(view)).toBe(0);
    await first.stop();

    // Written while no runner runs: the lag shows it; a new runtime resumes from the checkpoint.
    for (let i = 0; i < 5; i++) await repo.update(a.id, add(2));
    expect(await first.lag(view)).toBe(5);
    const second = eventSourcing({ store, projections: [view] });
    await second.start();
    await second.caughtUp();
    expect(await store.getDocument(view.name, a.id)).toEqual({ count: 20, events: 15 });
    await second.stop();
    await store.close();
    database.close();
  });

  it("reads the documents of a batch in one go when the projection says which", async () => {
    const store = memoryEventStore();
    const view = totals("async", "prefetched", true);
    const es = eventSourcing({ store, projections: [view] });
    const repo = es.repository(counter);
    const ids = await Promise.all([1, 2, 3].map(async (by) => (await repo.create(add(by))).id));
    await repo.update(ids[0]!, add(10));
    const spy = vi.spyOn(store, "transaction");
    await es.start();
    await es.caughtUp();
    expect(spy).toHaveBeenCalled();
    for (const [i, id] of ids.entries()) {
      expect(await store.getDocument(view.name, id)).toEqual({
        count: i === 0 ? 11 : i + 1,
        events: i === 0 ? 2 : 1,
      });
    }
    await es.stop();
  });

  it("lets two runners of one projection share the log without applying a batch twice", async () => {
    const store = memoryEventStore();
    const view = totals("async", "shared");
    const one = eventSourcing({ store, projections: [view] });
    const two = eventSourcing({ store, projections: [view] });
    const repo = one.repository(counter);
    const a = await repo.create(add(1));
    await Promise.all([one.start(), two.start()]);
    await Promise.all(Array.from({ length: 30 }, () => repo.update(a.id, add(1))));
    await waitFor(async () =>
      expect(await store.getDocument(view.name, a.id)).toEqual({ count: 31, events: 31 }),
    );
    await Promise.all([one.stop(), two.stop()]);
  });

  it("rebuilds a read model from the whole log, async or inline", async () => {
    const store = memoryEventStore();
    const asyncView = totals("async");
    const inlineView = totals("inline");
    const es = eventSourcing({ store, projections: [asyncView, inlineView] });
    const repo = es.repository(counter);
    await es.start();
    const a = await repo.create(add(4));
    await repo.update(a.id, add(1));
    await es.caughtUp();
    // Damage both read models, then rebuild them.
    await store.transaction(async (tx) => {
      await tx.putDocument(asyncView.name, a.id, { count: -1, events: 0 });
      await tx.putDocument(inlineView.name, a.id, { count: -1, events: 0 });
      await tx.putDocument(inlineView.name, "ghost", { count: 1, events: 1 });
    });
    await es.rebuild(asyncView);
    await es.rebuild(inlineView.name);
    expect(await store.getDocument(asyncView.name, a.id)).toEqual({ count: 5, events: 2 });
    expect(await store.findDocuments(inlineView.name)).toEqual([{ id: a.id, doc: { count: 5, events: 2 } }]);
    await expect(es.rebuild("nope")).rejects.toMatchObject({
      code: "TESSERA_DEFINITION",
      message: 'unknown projection "nope"',
      details: { name: "nope" },
    });
    await es.stop();
  });

  it("refuses two projections of the same name", () => {
    let thrown: unknown;
    try {
      eventSourcing({ store: memoryEventStore(), projections: [totals("async"), totals("async")] });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: "TESSERA_DEFINITION", details: { name: totals("async").name } });
    expect((thrown as Error).message).toContain(`"${totals("async").name}" is given twice`);
  });
});
