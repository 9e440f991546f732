import { jetstreamManager } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import type { NatsTransport } from "../../../src/adapters/nats/index.js";
import { loadProject } from "../../../src/config/load-project.js";
import { createProjectNode } from "../../../src/config/project-node.js";
import { transportFor } from "../../../src/config/transport-url.js";
import { TesseraError } from "../../../src/core/errors.js";
import { type Logger, silentLogger } from "../../../src/core/logger.js";
import { deleteStreams, testStreamPrefix } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("JetStream settings reach the server (issue 15, item 2)", () => {
    const streamPrefix = testStreamPrefix();
    afterAll(() => deleteStreams(NATS_URL, streamPrefix));

    it("on one server (no cluster) streams get 1 replica; limits, ack wait and max deliver are the settings'", async () => {
      const t = (await transportFor(NATS_URL, {
        name: "js-settings",
        jetstream: {
          streamPrefix,
          maxAgeMs: 3_600_000,
          maxBytes: 1_000_000,
          maxMsgs: 5000,
          duplicateWindowMs: 60_000,
          ackWaitMs: 7000,
          maxDeliveries: 4,
        },
      })) as NatsTransport;
      await t.connect();
      const nc = await connect({ servers: NATS_URL });
      try {
        expect(t.connection?.info?.cluster).toBeUndefined();
        await t.durable!.publish("tessera.evt.jsset.done", new Uint8Array([1]));
        const sub = await t.durable!.consume(
          "tessera.evt.jsset.done",
          { consumer: "jsset" },
          async () => undefined,
        );
        await t.lastValues!.put("state.jsset", new Uint8Array([2]));
        const jsm = await jetstreamManager(nc);
        const events = await jsm.streams.info(`${streamPrefix}tessera_evt_jsset`);
        expect(events.config).toMatchObject({
          num_replicas: 1,
          max_age: nanos(3_600_000),
          max_bytes: 1_000_000,
          max_msgs: 5000,
          duplicate_window: nanos(60_000),
        });
        const consumer = await jsm.consumers.info(`${streamPrefix}tessera_evt_jsset`, "jsset");
        // maxDeliveries 4: the fifth delivery is the backstop that dead-letters without running the handler.
        expect(consumer.config).toMatchObject({ ack_wait: nanos(7000), max_deliver: 5 });
        expect((await jsm.streams.info(`${streamPrefix}LAST`)).config.num_replicas).toBe(1);
        // A consumer's own settings win over the transport's.
        const own = await t.durable!.consume(
          "tessera.evt.jsset.done",
          { consumer: "jsset-own", ackWaitMs: 2000, maxDeliveries: 2 },
          async () => undefined,
        );
        const ownInfo = await jsm.consumers.info(`${streamPrefix}tessera_evt_jsset`, "jsset-own");
        expect(ownInfo.config).toMatchObject({ ack_wait: nanos(2000), max_deliver: 3 });
        await sub.unsubscribe();
        await own.unsubscribe();
      } finally {
        await nc.close();
        await t.close();
      }
    });

    it("a project's node gets them from TESSERA_JETSTREAM_* (what tesserae start runs)", async () => {
      const system = `jsproj${Date.now().toString(36)}`;
      const project = await loadProject({
        config: "examples/text/tesserae.config.ts",
        transport: NATS_URL,
        store: "memory",
        processEnv: {
          ...process.env,
          TESSERA_SYSTEM: system,
          TESSERA_JETSTREAM_MAX_MSGS: "777",
          TESSERA_JETSTREAM_ACK_WAIT_MS: "9000",
        },
      });
      const node = await createProjectNode(project, silentLogger);
      const t = node.transport as NatsTransport;
      await t.connect();
      const nc = await connect({ servers: NATS_URL });
      try {
        const sub = await t.durable!.consume(
          "tessera.evt.jsproj.x",
          { consumer: "jsproj" },
          async () => undefined,
        );
        const jsm = await jetstreamManager(nc);
        const stream = `${system}_TESSERA_tessera_evt_jsproj`;
        expect((await jsm.streams.info(stream)).config).toMatchObject({ num_replicas: 1, max_msgs: 777 });
        expect((await jsm.consumers.info(stream, "jsproj")).config.ack_wait).toBe(nanos(9000));
        await sub.unsubscribe();
      } finally {
        await nc.close();
        await t.close();
        await deleteStreams(NATS_URL, `${system}_`);
      }
    });

    it("the replicas error named jetstream.replicas when set through TESSERA_JETSTREAM_REPLICAS, and an emit-only node logged nothing: now it names the variable, logged once", async () => {
      const system = `jsrep${Date.now().toString(36)}`;
      const lines: string[] = [];
      const logger: Logger = {
        debug: () => undefined,
        info: () => undefined,
        warn: (m) => void lines.push(`warn ${m}`),
        error: (m) => void lines.push(`error ${m}`),
        child: () => logger,
      };
      const project = await loadProject({
        config: "examples/text/tesserae.config.ts",
        transport: NATS_URL,
        store: "memory",
        processEnv: { ...process.env, TESSERA_SYSTEM: system, TESSERA_JETSTREAM_REPLICAS: "5" },
      });
      const node = await createProjectNode(project, logger);
      const t = node.transport as NatsTransport;
      await t.connect();
      try {
        // One server, not a cluster: it cannot keep 5 replicas.
        const messages: string[] = [];
        for (let i = 0; i < 3; i++) {
          const failed = await t.durable!.publish("tessera.evt.jsrep.x", new Uint8Array([1])).catch((e) => e);
          expect(failed).toBeInstanceOf(TesseraError);
          expect((failed as TesseraError).code).toBe("TESSERA_CONFIG");
          messages.push((failed as TesseraError).message);
        }
        expect(messages[0]).toMatch(
          /^TESSERA_JETSTREAM_REPLICAS: the NATS servers cannot keep 5 replicas of a stream/,
        );
        expect(lines).toEqual([
          `error JetStream cannot create the stream ${system}_TESSERA_tessera_evt_jsrep, emits to it fail: ${messages[0]}`,
        ]);
      } finally {
        await t.close();
        await deleteStreams(NATS_URL, `${system}_`);
      }
    });
  });
}
