import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { memoryEventStore, memoryTransport } from "../../../src/adapters/memory/index.js";
import { aggregate, command, eventSourcing, reference } from "../../../src/features/eventsourcing/index.js";
import { createNode, entry, service, silentLogger, TesseraError } from "../../../src/index.js";
import { add, addAtMost, type Counter, counter, counterOptions } from "./fixtures.js";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof TesseraError ? err.code : String(err);
  }
  return "resolved";
}

const setup = (def = counter) => {
  const store = memoryEventStore();
  const es = eventSourcing({ store });
  return { store, es, repo: es.repository(def) };
};

describe("repository", () => {
  it("creates, gets and updates an aggregate with its root-entity fields", async () => {
    const { repo } = setup();
    const created = await repo.create(() => [
      { type: "named", data: { name: "visits" } },
      { type: "added", data: { by: 2 } },
    ]);
    expect(created).toMatchObject({
      version: 2,
      deleted: false,
      state: { name: "visits", count: 2, tags: [] },
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    const got = await repo.get(created.id);
    expect(got).toEqual(created);
    await new Promise((r) => setTimeout(r, 5));
    const updated = await repo.update(created.id, add(3));
    expect(updated).toMatchObject({ id: created.id, version: 3, state: { count: 5 } });
    expect(updated.createdAt).toEqual(created.createdAt);
    expect(updated.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
  });

  it("creates with a given id, and refuses the same id twice", async () => {
    const { repo } = setup();
    await repo.create(add(1), { id: "c1" });
    expect(await codeOf(repo.create(add(1), { id: "c1" }))).toBe("TESSERA_CONFLICT");
    expect((await repo.get("c1")).state.count).toBe(1);
  });

  it("refuses to save a stale entity with the current version, and refresh brings it up to date", async () => {
    const { repo } = setup();
    const a = await repo.create(add(1));
    await repo.save(a, add(1)());
    const err = await repo.save(a, add(1)()).catch((e: TesseraError) => e);
    expect(err).toMatchObject({
      code: "TESSERA_CONFLICT",
      details: { currentVersion: 2, expectedVersion: 1 },
    });
    const fresh = await repo.refresh(a);
    expect(fresh).toMatchObject({ version: 2, state: { count: 2 } });
    expect((await repo.save(fresh, add(5)())).state.count).toBe(7);
  });

  it("appends nothing when a decision refuses or an event fails its schema", async () => {
    const { repo, store } = setup();
    const a = await repo.create(add(1));
    expect(await codeOf(repo.update(a.id, addAtMost(5, 3)))).toBe("TESSERA_CONFLICT");
    const bad = repo.update(a.id, () => ({ type: "added", data: { by: 1.5 } }));
    expect(await codeOf(bad)).toBe("TESSERA_VALIDATION");
    expect(await store.streamVersion(`counter-${a.id}`)).toBe(1);
  });

  it("deletes: get then answers not found, find leaves it out, its stream stays", async () => {
    const { repo, store } = setup();
    const a = await repo.create(add(1));
    const b = await repo.create(add(2));
    await repo.delete(a.id);
    expect(await codeOf(repo.get(a.id))).toBe("TESSERA_NOT_FOUND");
    expect(await codeOf(repo.update(a.id, add(1)))).toBe("TESSERA_NOT_FOUND");
    expect(await codeOf(repo.delete(a.id))).toBe("TESSERA_NOT_FOUND");
    expect((await repo.load(a.id))?.deleted).toBe(true);
    expect((await repo.find()).map((e) => e.id)).toEqual([b.id]);
    expect(await store.streamVersion(`counter-${a.id}`)).toBe(2);
    expect(await codeOf(repo.get("never"))).toBe("TESSERA_NOT_FOUND");
  });

  it("finds aggregates with a filter, a limit and a cursor", async () => {
    const { repo } = setup();
    for (const [id, by] of [
      ["a", 1],
      ["b", 5],
      ["c", 7],
      ["d", 2],
    ] as const)
      await repo.create(add(by), { id });
    expect((await repo.find({ where: (s) => s.count > 1 })).map((e) => e.id)).toEqual(["b", "c", "d"]);
    expect((await repo.find({ where: (s) => s.count > 1, limit: 2 })).map((e) => e.id)).toEqual(["b", "c"]);
    expect((await repo.find({ after: "b" })).map((e) => e.id)).toEqual(["c", "d"]);
  });

  it("retries a decision on concurrent writes: 50 concurrent updates, none lost", async () => {
    const { repo } = setup();
    const a = await repo.create(add(0));
    await Promise.all(Array.from({ length: 50 }, () => repo.update(a.id, add(1))));
    expect(await repo.get(a.id)).toMatchObject({ version: 51, state: { count: 50 } });
  });

  it("snapshots every N events and loads from the snapshot plus the events after it", async () => {
    const def = aggregate("snapped", { ...counterOptions, snapshots: { every: 10 } });
    const { repo, store } = setup(def as unknown as typeof counter);
    const a = await repo.create(add(1));
    for (let i = 0; i < 24; i++) await repo.update(a.id, add(1));
    expect(await store.loadSnapshot(`snapped-${a.id}`)).toMatchObject({ version: 20, schema: 1 });
    const read = vi.spyOn(store, "readStream");
    const loaded = await repo.get(a.id);
    expect(loaded).toMatchObject({ version: 25, state: { count: 25 } });
    expect(loaded.createdAt).toEqual(a.createdAt);
    expect(read).toHaveBeenCalledWith(`snapped-${a.id}`, { after: 20 });
  });

  it("snapshots on demand, and ignores a snapshot of another state shape", async () => {
    const v1 = aggregate("shaped", { ...counterOptions, snapshots: {} });
    const { repo, store, es } = setup(v1 as unknown as typeof counter);
    const a = await repo.create(add(1));
    await repo.update(a.id, add(1));
    expect(await store.loadSnapshot(`shaped-${a.id}`)).toBeUndefined();
    await repo.snapshot(a.id);
    expect(await store.loadSnapshot(`shaped-${a.id}`)).toMatchObject({ version: 2 });
    // A snapshot that says something else than the log shows which one is used.
    await store.saveSnapshot(`shaped-${a.id}`, {
      version: 2,
      schema: 1,
      state: {
        state: { name: "", count: 99, tags: [] },
        createdAt: a.createdAt,
        updatedAt: a.createdAt,
        deleted: false,
      },
    });
    expect((await repo.get(a.id)).state.count).toBe(99);
    const v2 = aggregate("shaped", { ...counterOptions, snapshots: { version: 2 } });
    expect((await es.repository(v2).get(a.id)).state.count).toBe(2);
  });

  it("upcasts old events before evolving", async () => {
    const store = memoryEventStore({
      upcasters: [{ type: "added", from: 1, up: (d) => ({ by: (d as { amount: number }).amount }) }],
    });
    await store.append("counter-old", [{ type: "added", data: { amount: 4 }, schema: 1 }]);
    const repo = eventSourcing({ store }).repository(counter);
    expect((await repo.get("old")).state.count).toBe(4);
  });

  it("resolves references to another service's aggregates through typed calls", async () => {
    const users = service("users", {
      entries: {
        getUser: entry({ input: z.object({ id: z.string() }) }, ({ id }) => ({ id, name: `user ${id}` })),
      },
    });
    const owner = reference(users.entries.getUser);
    const { repo } = setup();
    const ref = owner.to("u7");
    const c = await repo.create(() => ({ type: "named", data: { name: JSON.stringify(ref) } }));
    const node = createNode({ services: [users], transport: memoryTransport(), logger: silentLogger });
    await node.start();
    const stored = JSON.parse((c.state as Counter).name) as typeof ref;
    const user = await owner.resolve({ call: (r, ...args) => node.call(r, ...(args as [never])) }, stored);
    expect(user).toEqual({ id: "u7", name: "user u7" });
    // A reference to another entry was a plain TypeError (a 500): it is the caller's bad reference.
    expect(await codeOf(owner.resolve(node as never, { $ref: "other.entry", id: "x" }))).toBe(
      "TESSERA_BAD_REQUEST",
    );
    await node.stop();
  });

  it("a command whose input came without an id failed with a plain TypeError (a 500): it is a 400 naming id", async () => {
    const { repo } = setup();
    const counters = service("counters", {
      entries: {
        add: command(repo, { input: z.object({ id: z.string().optional(), by: z.number() }) }, ({ by }) =>
          add(by)(),
        ),
      },
    });
    const node = createNode({ services: [counters], transport: memoryTransport(), logger: silentLogger });
    await node.start();
    try {
      const err = await node.call(counters.entries.add, { by: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TesseraError);
      expect(err).toMatchObject({
        code: "TESSERA_VALIDATION",
        details: { issues: [{ path: "id", message: "a command's input needs a string id" }] },
      });
    } finally {
      await node.stop();
    }
  });
});
