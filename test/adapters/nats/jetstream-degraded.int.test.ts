// Issue 15 follow-up (round 2, item 1): with one of three NATS servers down, a node whose streams
// did not exist yet failed to start half the time ("JetStream did not create the stream …" after
// nats.js's 5 s API timeout, while JetStream took 7.3 s), or ran its states without a store.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type NatsTransport, natsTransport } from "../../../src/adapters/nats/index.js";
import { TesseraError } from "../../../src/core/errors.js";
import type { Logger } from "../../../src/core/logger.js";
import { NatsCluster } from "../../support/nats-cluster.js";
import { PrivateNatsServer } from "../../support/nats-server.js";
import { natsServerInstalled } from "../../support/servers.js";

const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

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

/** How long the cluster runs without its third server before the node starts (the report: "a few minutes"). */
const DOWN_MS = Number(process.env.TESSERA_TEST_DEGRADED_WAIT_MS ?? 20_000);

describe.runIf(await natsServerInstalled())("JetStream with one of three servers down", () => {
  let cluster: NatsCluster;
  const transports: NatsTransport[] = [];

  beforeAll(async () => {
    cluster = await NatsCluster.start(3);
    await cluster.waitForJetStream();
    await cluster.stopServer(cluster.servers[2]!.name, "SIGKILL");
    await new Promise((r) => setTimeout(r, DOWN_MS));
  }, 60_000 + DOWN_MS);

  afterAll(async () => {
    await Promise.allSettled(transports.map((t) => t.close()));
    await cluster?.dispose();
  });

  it("a node with a new system name starts, and its emits, consumer and last values work", async () => {
    const lines: string[] = [];
    const t = natsTransport({
      servers: cluster.urls,
      name: "degraded",
      system: `deg${Math.random().toString(36).slice(2, 7)}`,
      logger: captureLogger(lines),
    });
    transports.push(t);
    await t.connect();
    const got: string[] = [];
    // The consumer's setup never fails the start: it is tried again in the background if need be.
    await t.durable!.consume("tessera.evt.deg.things", { consumer: "deg" }, async (m) => {
      got.push(decode(m.data)!);
    });
    // Emits may fail with the broker failure while the stream is being created; one must pass.
    await vi.waitFor(() => t.durable!.publish("tessera.evt.deg.things", encode("one"), { id: "one" }), {
      timeout: 60_000,
      interval: 500,
    });
    await vi.waitFor(() => expect(got).toEqual(["one"]), { timeout: 30_000, interval: 100 });
    await t.lastValues!.put("k", encode("v1"));
    expect(decode(await t.lastValues!.get("k"))).toBe("v1");
    expect(lines.filter((l) => l.startsWith("error"))).toEqual([]);
  }, 120_000);
});

// Issue 15 verification, finding 1: during a quorum loss (two of three servers down) a durable
// consumer node exited at start with "JetStream is not enabled on the NATS server, or not
// answering" (4 of 4 starts 30-50 s into the outage), although the server answered "JetStream
// system temporarily unavailable"; one started 2 s into the outage waited out the API timeout.
describe.runIf(await natsServerInstalled())("JetStream with two of three servers down (no quorum)", () => {
  let cluster: NatsCluster;
  const transports: NatsTransport[] = [];
  const existing = `qex${Math.random().toString(36).slice(2, 7)}`;

  function node(system: string, lines: string[]): NatsTransport {
    const t = natsTransport({
      // The surviving server only: the killed ones are not tried while they are down.
      servers: cluster.urls[0]!,
      name: "quorum-loss",
      system,
      logger: captureLogger(lines),
    });
    transports.push(t);
    return t;
  }

  /** Until JetStream answers that it is unavailable (nats-server notices the lost quorum after ~20 s). */
  async function waitForUnavailable(): Promise<void> {
    const nc = await connect({ servers: cluster.urls[0]! });
    try {
      const jsm = await jetstreamManager(nc, { timeout: 2000, checkAPI: false });
      await vi.waitFor(
        async () => {
          const answer = await jsm.getAccountInfo().then(
            () => "available",
            (e: Error) => e.message,
          );
          expect(answer).toBe("JetStream system temporarily unavailable");
        },
        { timeout: 60_000, interval: 1000 },
      );
    } finally {
      await nc.close();
    }
  }

  beforeAll(async () => {
    cluster = await NatsCluster.start(3);
    await cluster.waitForJetStream();
    // A system whose stream and consumer exist before the outage (the verifier's default system).
    const before = node(existing, []);
    await before.connect();
    await before.durable!.consume("tessera.evt.q.things", { consumer: "q" }, async () => undefined);
    await before.close();
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(transports.map((t) => t.close()));
    await cluster?.dispose();
  });

  it("a durable consumer node can't start during a JetStream quorum loss: now it subscribes, and receives once the servers are back", async () => {
    await cluster.stopServer(cluster.servers[1]!.name, "SIGKILL");
    await cluster.stopServer(cluster.servers[2]!.name, "SIGKILL");
    const got: Record<string, string[]> = { existing: [], fresh: [], early: [] };
    const lines: string[] = [];
    const subscribe = async (t: NatsTransport, key: string) => {
      await t.connect();
      await t.durable!.consume("tessera.evt.q.things", { consumer: "q" }, async (m) => {
        got[key]!.push(decode(m.data)!);
      });
    };
    // At once (JetStream does not answer yet): the start is not held for the API timeout.
    const early = node(`qea${Math.random().toString(36).slice(2, 7)}`, lines);
    await subscribe(early, "early");
    await waitForUnavailable();
    // It threw "JetStream is not enabled on the NATS server, or not answering" and the node exited.
    const old = node(existing, lines);
    await subscribe(old, "existing");
    const fresh = node(`qnew${Math.random().toString(36).slice(2, 7)}`, lines);
    await subscribe(fresh, "fresh");
    expect(lines.filter((l) => l.startsWith("error"))).toEqual([]);
    expect(lines.some((l) => l.startsWith("warn JetStream"))).toBe(true);

    await cluster.startServer(cluster.servers[1]!.name);
    await cluster.startServer(cluster.servers[2]!.name);
    for (const [t, key] of [
      [early, "early"],
      [old, "existing"],
      [fresh, "fresh"],
    ] as const) {
      await vi.waitFor(() => t.durable!.publish("tessera.evt.q.things", encode(key), { id: key }), {
        timeout: 60_000,
        interval: 500,
      });
    }
    await vi.waitFor(
      () => expect(got).toEqual({ existing: ["existing"], fresh: ["fresh"], early: ["early"] }),
      {
        timeout: 60_000,
        interval: 200,
      },
    );
  }, 240_000);
});

describe.runIf(await natsServerInstalled())("a NATS server without JetStream", () => {
  let server: PrivateNatsServer;
  let t: NatsTransport | undefined;
  beforeAll(async () => {
    server = await PrivateNatsServer.start({ jetstream: false });
  });
  afterAll(async () => {
    await t?.close();
    await server?.dispose();
  });

  it("a durable consumer still fails at once: nothing to wait for (JetStream is not enabled)", async () => {
    const lines: string[] = [];
    t = natsTransport({ servers: server.url, name: "no-js", logger: captureLogger(lines) });
    await t.connect();
    const failed = await t
      .durable!.consume("tessera.evt.nojs.x", { consumer: "nojs" }, async () => undefined)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TesseraError);
    expect((failed as TesseraError).message).toBe("JetStream is not enabled on the NATS server");
    expect(lines.filter((l) => l.startsWith("warn"))).toEqual([]);
  }, 30_000);
});
