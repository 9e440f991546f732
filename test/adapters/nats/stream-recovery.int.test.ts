import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NatsTransport, natsTransport } from "../../../src/adapters/nats/index.js";
import { silentLogger } from "../../../src/core/logger.js";
import { deleteStreams, testStreamPrefix } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

// Issue 15 follow-up, item 6: after JetStream was disabled and re-enabled by a config reload, the
// server came back with no stream, and the running nodes never created theirs again ("ensured"
// was cached): every durable emit answered 503 until NATS was restarted. Deleting the stream under a
// running transport is the same situation.

const until = async (ok: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
};

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("a stream gone from the server under a running transport (issue 15 follow-up, item 6)", () => {
    const streamPrefix = testStreamPrefix();
    const stream = `${streamPrefix}tessera_evt_recover`;
    let t: NatsTransport;
    let nc: NatsConnection;
    beforeAll(async () => {
      t = natsTransport({
        servers: NATS_URL,
        name: "stream-recovery",
        logger: silentLogger,
        jetstream: { streamPrefix, publishTimeoutMs: 4000 },
      });
      await t.connect();
      nc = await connect({ servers: NATS_URL });
    });
    afterAll(async () => {
      await t?.close();
      await nc?.close();
      await deleteStreams(NATS_URL, streamPrefix);
    });

    it("a durable emit recreates the stream once and is stored (it failed with 503 until NATS restarted)", async () => {
      await t.durable!.publish("tessera.evt.recover.first", new Uint8Array([1]));
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(stream);
      const started = Date.now();
      await t.durable!.publish("tessera.evt.recover.second", new Uint8Array([2]));
      // Well within the publication's 4 s budget: not a retry that happened to last long enough.
      expect(Date.now() - started).toBeLessThan(3000);
      const info = await jsm.streams.info(stream);
      expect(info.state.messages).toBe(1);
    });

    it("the last-value store gets its stream back: a read finds no value, a put is stored and read again", async () => {
      const last = t.lastValues!;
      await last.put("recover.k", new Uint8Array([1]));
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(`${streamPrefix}LAST`);
      expect(await last.get("recover.k")).toBeUndefined();
      await jsm.streams.delete(`${streamPrefix}LAST`);
      const started = Date.now();
      await last.put("recover.k", new Uint8Array([2]));
      expect(Date.now() - started).toBeLessThan(3000);
      expect([...((await last.get("recover.k")) ?? [])]).toEqual([2]);
    });

    it("a consumer whose stream was deleted gets it back with its consumer, and handles the events emitted after", async () => {
      const seen: number[] = [];
      const sub = await t.durable!.consume("tessera.evt.recover.item", { consumer: "recover" }, async (m) => {
        seen.push(m.data[0] ?? -1);
      });
      try {
        await t.durable!.publish("tessera.evt.recover.item", new Uint8Array([10]));
        await until(() => seen.includes(10), 5000);
        expect(seen).toContain(10);
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(stream);
        // Nothing emits through the transport: the consumer notices the missing heartbeats (3 s),
        // finds its stream gone and creates it again, with itself.
        let back = false;
        const end = Date.now() + 15_000;
        while (!back && Date.now() < end) {
          back = await jsm.consumers.info(stream, "recover").then(
            () => true,
            () => false,
          );
          if (!back) await new Promise((r) => setTimeout(r, 200));
        }
        expect(back).toBe(true);
        // Published by another client, as another node would.
        await jetstream(nc).publish("tessera.evt.recover.item", new Uint8Array([11]));
        await until(() => seen.includes(11), 10_000);
        expect(seen).toContain(11);
        expect((await jsm.consumers.info(stream, "recover")).config.durable_name).toBe("recover");
      } finally {
        await sub.unsubscribe();
      }
    }, 30_000);
  });
}
