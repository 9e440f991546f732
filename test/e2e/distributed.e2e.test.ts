// The example system spread over processes on a private nats-server: a gateway node running no
// service and instances of `text`. Kills an instance under load, restarts the broker under load.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Topology } from "../../src/index.js";
import { PrivateNatsServer } from "../support/nats-server.js";
import { killAll, type NodeProcess, startProcess } from "../support/processes.js";
import { natsServerInstalled } from "../support/servers.js";

const HEARTBEAT_MS = 300;
const BOUND_MS = HEARTBEAT_MS * 3;
const REQUEST_TIMEOUT = 3000;

interface Outcome {
  readonly status: number;
  readonly ms: number;
  readonly at: number;
}

/** Keeps `workers` requests in flight against the gateway until stopped. */
function load(url: string, workers = 8) {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      const t0 = performance.now();
      let status = 0;
      try {
        const res = await fetch(`${url}/text/upper`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ message: `w${w}-${i}` }),
        });
        const body = (await res.json()) as { message?: string };
        status = res.status === 200 && body.message !== `W${w}-${i}` ? -1 : res.status;
      } catch {
        status = 0;
      }
      outcomes.push({ status, ms: performance.now() - t0, at: Date.now() });
    }
  });
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

async function topology(url: string): Promise<Topology> {
  return (await (await fetch(`${url}/registry`)).json()) as Topology;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(await natsServerInstalled())("distributed mode over NATS (multi-process)", () => {
  let broker: PrivateNatsServer;
  const env = () => ({ NATS_URL: broker.url, HEARTBEAT_MS: String(HEARTBEAT_MS) });
  const textNode = (id: string) => startProcess("node.ts", { ...env(), RUN: "text", NODE_ID: id });
  const gatewayNode = () =>
    startProcess("node.ts", {
      ...env(),
      RUN: "none",
      HTTP: "1",
      NODE_ID: "gw",
      REQUEST_TIMEOUT: String(REQUEST_TIMEOUT),
    });

  beforeAll(async () => {
    broker = await PrivateNatsServer.start();
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await killAll();
    await broker?.dispose();
  });

  it("balances over two instances; a SIGKILLed one is failed over within the deadline and leaves the registry", {
    timeout: 60_000,
  }, async () => {
    const [a, b, gw] = await Promise.all([textNode("text-a"), textNode("text-b"), gatewayNode()]);
    const url = gw.ready.url!;
    await vi.waitFor(
      async () => expect((await topology(url)).nodes.map((n) => n.id).sort()).toEqual(["text-a", "text-b"]),
      {
        timeout: 10_000,
        interval: 100,
      },
    );

    const traffic = load(url);
    await sleep(1000);
    const served = Object.fromEntries((await topology(url)).nodes.map((n) => [n.id, n.load.served]));
    // Both instances take a share of the calls.
    expect(served["text-a"]).toBeGreaterThan(20);
    expect(served["text-b"]).toBeGreaterThan(20);

    const killedAt = Date.now();
    await b.kill("SIGKILL");
    await vi.waitFor(async () => expect((await topology(url)).nodes.map((n) => n.id)).toEqual(["text-a"]), {
      timeout: 10_000,
      interval: 50,
    });
    const goneAfter = Date.now() - killedAt;
    await sleep(1000);
    const outcomes = await traffic.stop();

    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed, `failed calls: ${JSON.stringify(failed.slice(0, 5))}\n${gw.stderr()}`).toEqual([]);
    const after = outcomes.filter((o) => o.at > killedAt);
    expect(after.length).toBeGreaterThan(20);
    // No call waited past its deadline (the gateway's request timeout).
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(REQUEST_TIMEOUT + 500);
    // The dead node left the registry within the heartbeat bound.
    expect(goneAfter).toBeLessThan(BOUND_MS + 1000);
    expect(a.child.exitCode).toBeNull();
  });

  it("reconnects after a broker restart under load and serves again without restarting the nodes", {
    timeout: 60_000,
  }, async () => {
    const [, gw] = await Promise.all([textNode("text-r"), gatewayNode()]);
    const url = gw.ready.url!;
    await vi.waitFor(async () => expect((await topology(url)).nodes).toHaveLength(1), {
      timeout: 10_000,
      interval: 100,
    });
    const traffic = load(url, 4);
    await sleep(500);
    await broker.stop();
    const downAt = Date.now();
    await vi.waitFor(async () => expect((await fetch(`${url}/ready`)).status).toBe(503), {
      timeout: 5000,
      interval: 50,
    });
    await sleep(700);
    await broker.start();
    const upAt = Date.now();
    await vi.waitFor(async () => expect((await fetch(`${url}/ready`)).status).toBe(200), {
      timeout: 10_000,
      interval: 50,
    });
    // Calls succeed again, through the same processes.
    await vi.waitFor(
      () => {
        const recent = traffic.outcomes.filter((o) => o.at > upAt);
        expect(recent.filter((o) => o.status === 200).length).toBeGreaterThan(50);
      },
      { timeout: 15_000, interval: 100 },
    );
    const outcomes = await traffic.stop();
    const during = outcomes.filter((o) => o.at > downAt && o.at < upAt);
    // While the broker was down, calls failed fast (503), they did not hang.
    expect(during.every((o) => o.status === 503 || o.status === 200)).toBe(true);
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(REQUEST_TIMEOUT + 500);
    const ready = (await (await fetch(`${url}/ready`)).json()) as {
      checks: { transport: { detail?: string } };
    };
    expect(ready.checks.transport.detail).toContain(String(broker.port));
  });
});

// Keep the type imported for readers of the fixture's READY line.
export type { NodeProcess };
