// Issue 15 verification, finding 2: dead-lettered events stayed pending on nats-server 2.9 (this
// machine's and CI's 2.9.10), which ignores a "term" that carries a reason ("+TERM <reason>"): the
// message came back after every ack wait, 1,000 of them filled max_ack_pending (the next events
// waited ~60 s), and after a restart past the duplicate window the same event got a second dead
// letter ("earlier deliveries never completed"). A plain term is honoured by every server.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type NatsTransport, natsTransport } from "../../../src/adapters/nats/index.js";
import { consumerName } from "../../../src/adapters/nats/stream-names.js";
import { silentLogger } from "../../../src/core/logger.js";
import { deleteStreams, testStreamPrefix } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

const subject = "tessera.evt.dlterm.failed";
const consumer = { consumer: "dlterm.fails", maxDeliveries: 1, deadLetter: "tessera.dlq.dlterm.fails" };
/** Longer than the wait for the term to take: a message still pending is not redelivered meanwhile. */
const LONG_ACK_WAIT_MS = 20_000;

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("a dead-lettered event on the machine's nats-server", () => {
    const streamPrefix = testStreamPrefix();
    const stream = `${streamPrefix}tessera_evt_dlterm`;
    const open: NatsTransport[] = [];
    let nc: NatsConnection;

    /** A node's transport; a 1 s duplicate window, so that a dead letter sent again after it is stored again. */
    async function node(): Promise<NatsTransport> {
      const t = natsTransport({
        servers: NATS_URL,
        name: "dlterm",
        logger: silentLogger,
        jetstream: { streamPrefix, duplicateWindowMs: 1000 },
      });
      open.push(t);
      await t.connect();
      return t;
    }

    async function ackPending(): Promise<number> {
      const jsm = await jetstreamManager(nc);
      return (await jsm.consumers.info(stream, consumerName(consumer.consumer))).num_ack_pending;
    }

    beforeAll(async () => {
      nc = await connect({ servers: NATS_URL });
    });
    afterAll(async () => {
      await Promise.allSettled(open.map((t) => t.close()));
      await nc?.close();
      await deleteStreams(NATS_URL, streamPrefix);
    });

    it("dead-lettered events stay pending on nats-server 2.9: now none is pending, and a restart does not dead-letter it twice", async () => {
      const first = await node();
      let runs = 0;
      const sub = await first.durable!.consume(
        subject,
        { ...consumer, ackWaitMs: LONG_ACK_WAIT_MS },
        async () => {
          runs++;
          throw new Error("always fails");
        },
      );
      await first.durable!.publish(subject, new TextEncoder().encode("bad"), { id: "bad-1" });
      await vi.waitFor(async () => expect(await first.deadLetters!.list()).toHaveLength(1), {
        timeout: 10_000,
        interval: 100,
      });
      // It stayed 1 for the ack wait (the term was ignored), then the message came back.
      await vi.waitFor(async () => expect(await ackPending()).toBe(0), { timeout: 5000, interval: 100 });
      await sub.unsubscribe();
      await first.close();

      // The node restarts after the duplicate window, with a short ack wait: a message still
      // pending comes back at once (the verifier's restart came 2 minutes later, with the defaults).
      await new Promise((r) => setTimeout(r, 1500));
      const second = await node();
      const again = await second.durable!.consume(subject, { ...consumer, ackWaitMs: 1000 }, async () => {
        runs++;
      });
      // Two ack waits: a message still pending would be delivered (and dead-lettered again) by then.
      await new Promise((r) => setTimeout(r, 2500));
      const letters = await second.deadLetters!.list();
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ eventId: "bad-1", deliveries: 1, error: "always fails" });
      expect(runs).toBe(1);
      expect(await ackPending()).toBe(0);
      await again.unsubscribe();
    }, 30_000);
  });
}
