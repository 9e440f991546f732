import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type NatsTransport, natsTransport } from "../../../src/adapters/nats/index.js";
import { isBrokerFailure } from "../../../src/core/broker-failure.js";
import type { Logger } from "../../../src/core/logger.js";
import { deleteStreams, testStreamPrefix } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

// Issue 15 follow-up (round 2, item 1): a node whose stream JetStream did not create in time (a
// server of the cluster down) failed to start. JetStream refusing the creation for a while is the
// same situation, made here on one server: another stream holds the subjects until it is deleted.

function captureLogger(lines: string[]): Logger {
  const log: Logger = {
    debug: () => undefined,
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
    child: () => log,
  };
  return log;
}

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("a consumer whose stream JetStream does not create at first", () => {
    const streamPrefix = testStreamPrefix();
    const lines: string[] = [];
    let t: NatsTransport;
    let nc: NatsConnection;
    beforeAll(async () => {
      nc = await connect({ servers: NATS_URL });
      t = natsTransport({
        servers: NATS_URL,
        name: "setup-retry",
        logger: captureLogger(lines),
        jetstream: { streamPrefix, publishTimeoutMs: 2000 },
      });
      await t.connect();
    });
    afterAll(async () => {
      await t?.close();
      await nc?.close();
      await deleteStreams(NATS_URL, streamPrefix);
    });

    it("subscribes at once, emits fail as broker failures meanwhile, and the consumer is set up in the background once JetStream can", async () => {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: `${streamPrefix}BLOCKER`, subjects: ["tessera.evt.retry.>"] });
      const got: string[] = [];
      // It failed the start before.
      const sub = await t.durable!.consume("tessera.evt.retry.done", { consumer: "retry" }, async (m) => {
        got.push(new TextDecoder().decode(m.data));
      });
      const failing = lines.filter((l) => l.startsWith("warn JetStream setting up the consumer retry"));
      expect(failing).toHaveLength(1);
      const failed = await t.durable!.publish("tessera.evt.retry.done", new Uint8Array([1])).catch((e) => e);
      expect(isBrokerFailure(failed)).toBe(true);

      await jsm.streams.delete(`${streamPrefix}BLOCKER`);
      await vi.waitFor(() => t.durable!.publish("tessera.evt.retry.done", new TextEncoder().encode("x")), {
        timeout: 10_000,
        interval: 200,
      });
      await vi.waitFor(() => expect(got).toEqual(["x"]), { timeout: 15_000, interval: 100 });
      expect(lines.filter((l) => l.startsWith("info JetStream set up the consumer retry"))).toHaveLength(1);
      await sub.unsubscribe();
    }, 30_000);

    it("an unsubscribe while the setup is retried stops the retries", async () => {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: `${streamPrefix}BLOCKER2`, subjects: ["tessera.evt.gone.>"] });
      const sub = await t.durable!.consume("tessera.evt.gone.x", { consumer: "gone" }, async () => undefined);
      await sub.unsubscribe();
      await jsm.streams.delete(`${streamPrefix}BLOCKER2`);
      await new Promise((r) => setTimeout(r, 3500));
      const names: string[] = [];
      for await (const n of jsm.streams.names("tessera.evt.gone.x")) names.push(n);
      expect(names).toEqual([]);
      expect(lines.filter((l) => l.startsWith("info JetStream set up the consumer gone"))).toEqual([]);
    }, 30_000);
  });
}
