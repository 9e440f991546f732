import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import { sqliteEventStore } from "../../../src/adapters/sqlite/index.js";
import {
  aggregate,
  DELETED,
  type EventSourcing,
  eventSourcing,
} from "../../../src/features/eventsourcing/index.js";
import {
  createNode,
  service,
  silentLogger,
  subscribe,
  type TesseraNode,
  type Transport,
} from "../../../src/index.js";
import { deleteStreams, testStreamPrefix } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";
import { add, counterOptions } from "./fixtures.js";

const waitFor = (check: () => void | Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 20 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Received {
  readonly name: string;
  readonly requestId: string;
  readonly payload: Record<string, unknown>;
}

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("durable domain events through the outbox on NATS JetStream", () => {
    let prefix = testStreamPrefix();
    const cleanup: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const done of cleanup.splice(0).reverse()) await done().catch(() => undefined);
      await deleteStreams(NATS_URL, prefix);
      prefix = testStreamPrefix();
    });

    // Subjects are shared by the whole server: an aggregate name of its own per test.
    const world = () => {
      const name = `acct${Math.random().toString(36).slice(2, 8)}`;
      const def = aggregate(name, { ...counterOptions, durable: true });
      const database = new Database(":memory:");
      const store = sqliteEventStore({ database });
      cleanup.push(async () => database.close());
      const transport = async (as: string) => {
        const t = natsTransport({ servers: NATS_URL, name: as, jetstream: { streamPrefix: prefix } });
        await t.connect();
        cleanup.push(() => t.close());
        return t;
      };
      const relay = async (t: Transport, leaseMs = 30_000): Promise<EventSourcing> => {
        const es = eventSourcing({ store, outbox: { pollMs: 20, leaseMs } });
        await es.start({ transport: t, logger: silentLogger });
        cleanup.push(() => es.stop());
        return es;
      };
      /** A subscriber service on its own connection, started now, recording what it receives. */
      const subscriber = async () => {
        const seen: Received[] = [];
        const record = (name: string) => (payload: unknown, ctx: { requestId: string }) =>
          void seen.push({ name, requestId: ctx.requestId, payload: payload as Record<string, unknown> });
        const ledger = service("ledger", {
          on: {
            created: subscribe(def.created, record("Created")),
            updated: subscribe(def.updated, record("Updated")),
            deleted: subscribe(def.deleted, record("Deleted")),
            named: subscribe(def.event("named"), record("Named")),
            added: subscribe(def.event("added"), record("Added")),
            tagged: subscribe(def.event("tagged"), record("Tagged")),
          },
        });
        const node: TesseraNode = createNode({
          services: [ledger],
          transport: natsTransport({
            servers: NATS_URL,
            name: "ledger",
            jetstream: { streamPrefix: prefix },
          }),
          logger: silentLogger,
        });
        await node.start();
        cleanup.push(() => node.stop());
        return seen;
      };
      return { def, store, transport, relay, subscriber };
    };

    it("a durable subscriber that starts after the events were committed and relayed gets every one as committed, with its stable id", async () => {
      const { def, store, transport, relay, subscriber } = world();
      const es = await relay(await transport("writer"));
      const repo = es.repository(def);
      const a = await repo.create(() => [
        { type: "named", data: { name: "n" } },
        { type: "added", data: { by: 2 } },
      ]);
      await repo.update(a.id, add(3));
      await repo.update(a.id, () => ({ type: "tagged", data: { tag: "x" } }));
      await repo.delete(a.id);
      // Relayed: every row left the outbox, so the broker acknowledged every message.
      await waitFor(async () => expect(await store.outboxSize()).toBe(0));
      await es.stop();

      const [named, added2, added3, tagged, deleted] = await store.readStream(def.streamOf(a.id));
      expect(deleted!.type).toBe(DELETED);
      const base = (e: { id: string; version: number }) => ({ aggregateId: a.id, version: e.version });
      const own = (name: string, e: { id: string; version: number; type: string; data: unknown }) => ({
        name,
        requestId: e.id,
        payload: { ...base(e), eventId: e.id, type: e.type, data: e.data, at: expect.any(String) },
      });
      const lifecycle = (name: string, e: { id: string; version: number }, extra: object = {}) => ({
        name,
        requestId: `${e.id}:${name.toLowerCase()}`,
        payload: { ...base(e), eventId: `${e.id}:${name.toLowerCase()}`, at: expect.any(String), ...extra },
      });
      const expected = [
        own("Named", named!),
        own("Added", added2!),
        lifecycle("Created", added2!, { changes: { name: "n", count: 2, tags: [] } }),
        own("Added", added3!),
        lifecycle("Updated", added3!, { changes: { count: 5 } }),
        own("Tagged", tagged!),
        lifecycle("Updated", tagged!, { changes: { tags: ["x"] } }),
        lifecycle("Deleted", deleted!),
      ];

      const seen = await subscriber();
      await waitFor(() => expect(seen).toHaveLength(expected.length));
      await sleep(300); // nothing more comes
      const byId = (r: { requestId: string }) => r.requestId;
      const sorted = (list: readonly { requestId: string }[]) =>
        [...list].sort((x, y) => byId(x).localeCompare(byId(y)));
      expect(sorted(seen)).toEqual(sorted(expected));
    });

    it("a re-relay after a crash between the broker's ack and the row's delete is dropped by the broker", async () => {
      const { def, store, transport, relay, subscriber } = world();
      // The first relay's process "dies" after publishing: its deletes never happen.
      const ack = vi.spyOn(store, "ackOutbox").mockRejectedValue(new Error("killed before the delete"));
      const first = await transport("writer-1");
      const firstPublish = vi.spyOn(first.durable!, "publish");
      const es1 = await relay(first, 300);
      const repo = es1.repository(def);
      const a = await repo.create(add(1));
      await repo.update(a.id, add(2));
      await waitFor(() => expect(firstPublish.mock.calls.length).toBeGreaterThanOrEqual(4));
      await es1.stop();
      expect(await store.outboxSize()).toBe(4);
      ack.mockRestore();

      // The restarted process publishes the same rows again, once their lease has ended.
      const second = await transport("writer-2");
      const results: boolean[] = [];
      const publish = second.durable!.publish.bind(second.durable);
      vi.spyOn(second.durable!, "publish").mockImplementation(async (subject, data, options) => {
        const r = await publish(subject, data, options);
        results.push(r.duplicate);
        return r;
      });
      await relay(second, 300);
      await waitFor(async () => expect(await store.outboxSize()).toBe(0));
      expect(results).toEqual([true, true, true, true]);

      // The broker holds each message once, and a late subscriber gets each once.
      const nc = await connect({ servers: NATS_URL });
      cleanup.push(() => nc.close());
      const jsm = await jetstreamManager(nc);
      let stored = 0;
      for await (const s of jsm.streams.list()) {
        if (s.config.name.startsWith(prefix)) stored += s.state.messages;
      }
      expect(stored).toBe(4);
      const seen = await subscriber();
      await waitFor(() => expect(seen).toHaveLength(4));
      await sleep(300);
      expect(seen).toHaveLength(4);
      expect(new Set(seen.map((r) => r.requestId)).size).toBe(4);
      const events = await store.readStream(def.streamOf(a.id));
      expect(
        seen
          .filter((r) => r.name === "Added")
          .map((r) => r.payload.eventId)
          .sort(),
      ).toEqual(events.map((e) => e.id).sort());
    });
  });
}
