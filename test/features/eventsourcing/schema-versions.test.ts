import { describe, expect, it } from "vitest";
import { memoryEventStore } from "../../../src/adapters/memory/index.js";
import { aggregate, eventSourcing } from "../../../src/features/eventsourcing/index.js";
import { TesseraError } from "../../../src/index.js";
import { add, counter, counterOptions } from "./fixtures.js";

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<TesseraError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    return err as TesseraError;
  }
  throw new Error("expected an error");
}

describe("schema versions (issue 17, bug 1)", () => {
  it("new events of an aggregate that declares no version are stored at the store's current schema", async () => {
    const store = memoryEventStore({
      upcasters: [{ type: "added", from: 1, up: (d) => ({ by: (d as { amount: number }).amount }) }],
    });
    await store.append("counter-c", [{ type: "added", data: { amount: 4 }, schema: 1 }]);
    const repo = eventSourcing({ store }).repository(counter);
    expect((await repo.update("c", add(3))).state.count).toBe(7);
    expect((await store.readStream("counter-c")).map((e) => [e.data, e.schema])).toEqual([
      [{ by: 4 }, 2],
      [{ by: 3 }, 2],
    ]);
    expect((await repo.get("c")).state.count).toBe(7);
  });

  it("eventSchemaVersions win over schemaVersion, per event type", async () => {
    const store = memoryEventStore();
    const def = aggregate("counter", {
      ...counterOptions,
      schemaVersion: 4,
      eventSchemaVersions: { added: 6 },
    });
    const a = await eventSourcing({ store })
      .repository(def)
      .create(() => [
        { type: "named", data: { name: "n" } },
        { type: "added", data: { by: 1 } },
      ]);
    expect((await store.readStream(`counter-${a.id}`)).map((e) => e.schema)).toEqual([4, 6]);
  });

  it("a snapshot taken at another schema version is not used: the aggregate is rebuilt from its events", async () => {
    const store = memoryEventStore();
    const v1 = aggregate("counter", { ...counterOptions, snapshots: { every: 1 } });
    const a = await eventSourcing({ store }).repository(v1).create(add(2));
    const snap = await store.loadSnapshot<{ schemas: string }>(`counter-${a.id}`);
    expect(snap?.state.schemas).toBe("1");
    // A snapshot that disagrees with the log shows which one was used.
    await store.saveSnapshot(`counter-${a.id}`, {
      ...snap!,
      state: { ...(snap!.state as object), state: { name: "", count: 99, tags: [] } },
    });
    expect((await eventSourcing({ store }).repository(v1).get(a.id)).state.count).toBe(99);
    const v2 = aggregate("counter", { ...counterOptions, snapshots: { every: 1 }, schemaVersion: 2 });
    const repo2 = eventSourcing({ store }).repository(v2);
    expect((await repo2.get(a.id)).state.count).toBe(2);
    // Its next snapshot is taken at schema 2, and used.
    await repo2.update(a.id, add(1));
    expect((await store.loadSnapshot<{ schemas: string }>(`counter-${a.id}`))?.state.schemas).toBe("2");
    expect((await repo2.get(a.id)).state.count).toBe(3);
  });
});

describe("event names that collide with the lifecycle events (issue 17, bug 2)", () => {
  it("are refused at definition, naming the event", async () => {
    for (const type of ["created", "updated", "deleted", "Created"]) {
      const err = await errorOf(() =>
        aggregate("foo", {
          ...counterOptions,
          schemas: { ...counterOptions.schemas, [type]: counterOptions.schemas.added },
        }),
      );
      expect(err.code).toBe("TESSERA_DEFINITION");
      expect(err.message).toContain(`"${type}"`);
      expect(err.message).toContain("FooCreated");
    }
    const foo = aggregate("foo", counterOptions);
    expect((await errorOf(() => foo.event("created" as never))).code).toBe("TESSERA_DEFINITION");
  });

  it("are refused at the write, appending and publishing nothing", async () => {
    const store = memoryEventStore();
    const repo = eventSourcing({ store }).repository(aggregate("foo", counterOptions));
    const err = await errorOf(repo.create(() => ({ type: "created", data: {} }) as never));
    expect(err.code).toBe("TESSERA_DEFINITION");
    expect(err.message).toContain('"created"');
    expect(await store.headPosition()).toBe(0);
    expect(await store.outboxSize()).toBe(0);
  });

  it("one write publishes each name once", async () => {
    const store = memoryEventStore();
    const repo = eventSourcing({ store }).repository(aggregate("foo", counterOptions));
    await repo.create(() => [
      { type: "named", data: { name: "n" } },
      { type: "added", data: { by: 1 } },
    ]);
    const names = (await store.claimOutbox(10, 1000)).map((m) => m.name);
    expect(names).toEqual(["FooNamed", "FooAdded", "FooCreated"]);
  });
});
