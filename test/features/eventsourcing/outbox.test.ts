import { describe, expect, it, vi } from "vitest";
import { memoryEventStore, memoryTransport } from "../../../src/adapters/memory/index.js";
import {
  aggregate,
  createNode,
  type EventPayload,
  eventSourcing,
  MESSAGE_ID_HEADER,
  service,
  silentLogger,
  subscribe,
} from "../../../src/index.js";
import { add, addAtMost, type CounterEvent, counter, counterOptions } from "./fixtures.js";

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 10 });

async function setup() {
  const store = memoryEventStore();
  const seen: { name: string; payload: Record<string, unknown> }[] = [];
  const record = (name: string) => (payload: unknown) =>
    void seen.push({ name, payload: payload as Record<string, unknown> });
  const audit = service("audit", {
    on: {
      created: subscribe(counter.created, record("CounterCreated")),
      updated: subscribe(counter.updated, record("CounterUpdated")),
      deleted: subscribe(counter.deleted, record("CounterDeleted")),
      added: subscribe(counter.event("added"), record("CounterAdded")),
    },
  });
  const transport = memoryTransport();
  const node = createNode({ services: [audit], transport, logger: silentLogger });
  await node.start();
  const es = eventSourcing({ store, outbox: { pollMs: 20 } });
  await es.start(node);
  const stop = async () => {
    await es.stop();
    await node.stop();
  };
  return { store, es, repo: es.repository(counter), seen, node, transport, stop };
}

describe("domain events through the outbox", () => {
  it("publishes each committed event and one lifecycle event per command, with stable ids", async () => {
    const { repo, seen, stop, store } = await setup();
    const a = await repo.create(() => [
      { type: "named", data: { name: "n" } },
      { type: "added", data: { by: 2 } },
    ]);
    await repo.update(a.id, add(3));
    await repo.delete(a.id);
    await waitFor(() => expect(seen).toHaveLength(5));
    const by = (name: string) => seen.filter((s) => s.name === name).map((s) => s.payload);
    expect(by("CounterCreated")).toEqual([
      expect.objectContaining({ aggregateId: a.id, version: 2, changes: { name: "n", count: 2, tags: [] } }),
    ]);
    expect(by("CounterUpdated")).toEqual([expect.objectContaining({ version: 3, changes: { count: 5 } })]);
    expect(by("CounterDeleted")).toEqual([expect.objectContaining({ aggregateId: a.id, version: 4 })]);
    const added = by("CounterAdded") as unknown as EventPayload<Extract<CounterEvent, { type: "added" }>>[];
    expect(added.map((p) => p.data.by)).toEqual([2, 3]);
    const events = await store.readStream(`counter-${a.id}`);
    expect(added.map((p) => p.eventId)).toEqual([events[1]!.id, events[2]!.id]);
    expect(await store.outboxSize()).toBe(0);
    await stop();
  });

  it("publishes nothing for a refused command", async () => {
    const { repo, seen, stop, es } = await setup();
    const a = await repo.create(add(1));
    await waitFor(() => expect(seen).toHaveLength(2));
    await expect(repo.update(a.id, addAtMost(10, 5))).rejects.toMatchObject({ code: "TESSERA_CONFLICT" });
    await es.flushOutbox();
    await new Promise((r) => setTimeout(r, 60));
    expect(seen).toHaveLength(2);
    await stop();
  });

  it("publishes again, with the same id, what a relay took but did not finish", async () => {
    const store = memoryEventStore();
    const es = eventSourcing({ store });
    const repo = es.repository(counter);
    await repo.create(add(1));
    // A relay that died after taking the messages: they stay, leased.
    const taken = await store.claimOutbox(10, 50);
    expect(taken).toHaveLength(2);
    const transport = memoryTransport();
    await transport.connect();
    const ids: string[] = [];
    await transport.subscribe("tessera.evt.>", {}, (m) => void ids.push(m.headers[MESSAGE_ID_HEADER]!));
    const live = eventSourcing({ store, outbox: { pollMs: 10 } });
    await live.start({ transport });
    await waitFor(() => expect(ids).toEqual(taken.map((m) => m.id)));
    await live.stop();
    await transport.close();
  });

  it("publishes only some kinds when the aggregate says so", async () => {
    const store = memoryEventStore();
    const quiet = aggregate("quiet", { ...counterOptions, publish: "lifecycle" });
    const silent = aggregate("silent", { ...counterOptions, publish: "none" });
    const es = eventSourcing({ store });
    await es.repository(quiet).create(add(1));
    await es.repository(silent).create(add(1));
    expect((await store.claimOutbox(10, 1000)).map((m) => m.name)).toEqual(["QuietCreated"]);
  });

  it("starts and stops with a node as its plugin", async () => {
    const store = memoryEventStore();
    const es = eventSourcing({ store, outbox: { pollMs: 10 } });
    const seen: unknown[] = [];
    const audit = service("audit", { on: { created: subscribe(counter.created, (e) => void seen.push(e)) } });
    const node = createNode({
      services: [audit],
      transport: memoryTransport(),
      logger: silentLogger,
      plugins: [es],
    });
    await node.start();
    await es.repository(counter).create(add(1));
    await waitFor(() => expect(seen).toHaveLength(1));
    await node.stop();
    await es.repository(counter).create(add(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.outboxSize()).toBe(2);
  });
});
