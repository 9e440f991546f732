import { describe, expect, it, vi } from "vitest";
import { createMemoryBus, memoryEventStore, memoryTransport } from "../../../src/adapters/memory/index.js";
import { aggregate, type EventPayload, eventSourcing } from "../../../src/features/eventsourcing/index.js";
import { MESSAGE_ID_HEADER } from "../../../src/features/eventsourcing/outbox-relay.js";
import { createLogger, createNode, service, silentLogger, subscribe } from "../../../src/index.js";
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

  it("publishes a durable aggregate's events on the durable streams, ids as message ids, for a subscriber that starts late", async () => {
    const bus = createMemoryBus();
    const store = memoryEventStore();
    const ledger = aggregate("ledger", { ...counterOptions, durable: true });
    const writer = memoryTransport({ bus });
    await writer.connect();
    const durablePublish = vi.spyOn(writer.durable!, "publish");
    const plainPublish = vi.spyOn(writer, "publish");
    const es = eventSourcing({ store, outbox: { pollMs: 10 } });
    await es.start({ transport: writer });
    const repo = es.repository(ledger);
    const a = await repo.create(add(1));
    await repo.update(a.id, add(2));
    await waitFor(async () => expect(await store.outboxSize()).toBe(0));
    expect(plainPublish).not.toHaveBeenCalled();
    const events = await store.readStream(`ledger-${a.id}`);
    const ids = [events[0]!.id, `${events[0]!.id}:created`, events[1]!.id, `${events[1]!.id}:updated`];
    expect(durablePublish.mock.calls.map((c) => c[2]?.id)).toEqual(ids);
    expect(durablePublish.mock.calls[0]![2]!.headers).toMatchObject({ [MESSAGE_ID_HEADER]: ids[0] });
    expect(durablePublish.mock.calls[0]![2]!.headers).not.toHaveProperty("tessera-outbox-durable");

    // Everything was relayed before the subscriber existed: durable consumers still get it.
    const seen: string[] = [];
    const late = service("late", {
      on: {
        added: subscribe(ledger.event("added"), (e) => void seen.push(e.eventId)),
        created: subscribe(ledger.created, (e) => void seen.push(e.eventId)),
        updated: subscribe(ledger.updated, (e) => void seen.push(e.eventId)),
      },
    });
    const node = createNode({ services: [late], transport: memoryTransport({ bus }), logger: silentLogger });
    await node.start();
    await waitFor(() => expect([...seen].sort()).toEqual([...ids].sort()));
    await node.stop();
    await es.stop();
    await writer.close();
  });

  it("keeps a durable event in the outbox while the broker refuses it, then publishes it in order after a backoff", async () => {
    const store = memoryEventStore();
    const ledger = aggregate("ledger", { ...counterOptions, durable: true, publish: "events" });
    const transport = memoryTransport();
    await transport.connect();
    const stored: string[] = [];
    const streams = transport.durable!;
    await streams.consume("tessera.evt.LedgerAdded", { consumer: "probe" }, async (m) => {
      stored.push(m.id!);
    });
    const publish = streams.publish.bind(streams);
    let refuse = 2;
    vi.spyOn(streams, "publish").mockImplementation((subject, data, options) =>
      refuse-- > 0 ? Promise.reject(new Error("no ack from the broker")) : publish(subject, data, options),
    );
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", write: (line) => void lines.push(line) });
    // A lease far longer than the test: the retries cannot come from the lease ending.
    const es = eventSourcing({ store, outbox: { pollMs: 10, leaseMs: 60_000 } });
    await es.start({ transport, logger });
    const repo = es.repository(ledger);
    const a = await repo.create(() => [
      { type: "added", data: { by: 1 } },
      { type: "added", data: { by: 2 } },
    ]);
    await waitFor(() => expect(lines.length).toBeGreaterThanOrEqual(1));
    expect(await store.outboxSize()).toBe(2);
    expect(lines[0]).toContain("publishing failed");
    await waitFor(() => expect(stored).toHaveLength(2));
    const events = await store.readStream(`ledger-${a.id}`);
    expect(stored).toEqual(events.map((e) => e.id));
    // Two failures, one warning: the second is counted, not logged (issue 19).
    expect(lines).toHaveLength(1);
    await waitFor(async () => expect(await store.outboxSize()).toBe(0));
    await es.stop();
    await transport.close();
  });
});
