// Replicated states across processes on a private nats-server with JetStream: one owner (the
// market-data feed, in main mode) and three holders, each in its own process. Holders and the
// owner are killed (SIGKILL) and restarted; every copy converges to the owner's value. A feed at
// 10,000 deltas per second is followed by the holders with no divergence.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { natsTransport } from "../../src/adapters/nats/index.js";
import { createNode, type EntryRef, silentLogger, type TesseraNode } from "../../src/index.js";
import { PrivateNatsServer } from "../support/nats-server.js";
import { killAll, type NodeProcess, startProcess } from "../support/processes.js";
import { natsServerInstalled } from "../support/servers.js";
import { allServices, probe, type View } from "./fixtures/market.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(await natsServerInstalled())("replicated states across processes (NATS)", () => {
  let broker: PrivateNatsServer;
  let client: TesseraNode;

  beforeAll(async () => {
    broker = await PrivateNatsServer.start();
    client = createNode({
      services: allServices({}),
      run: [],
      transport: natsTransport({ servers: broker.url, name: "market-test" }),
      logger: silentLogger,
    });
    await client.start();
  });
  // A failed test must not leave its feed running into the next (two owners of one state).
  afterEach(killAll);
  afterAll(async () => {
    await killAll();
    await client?.stop();
    await broker?.dispose();
  });

  const read = (role: string) => client.call(probe(role, {}).entries.read as EntryRef<undefined, View>);
  let run = 0;
  const start = (role: string, env: Record<string, string> = {}) =>
    startProcess(
      "market-node.ts",
      { ROLE: role, NATS_URL: broker.url, STREAM_PREFIX: `M${run}_`, ...env },
      60_000,
    );

  /** Waits until the feed is done and every holder has the feed's epoch, number and value. */
  async function converged(timeout: number): Promise<{ feed: View; holders: View[] }> {
    let last: { feed: View; holders: View[] } | undefined;
    await vi.waitFor(
      async () => {
        const feed = await read("feed");
        const holders = await Promise.all(["h1", "h2", "h3"].map(read));
        last = { feed, holders };
        expect(feed.done).toBe(true);
        for (const h of holders)
          expect([h.epoch, h.seq, h.digest]).toEqual([feed.epoch, feed.seq, feed.digest]);
      },
      { timeout, interval: 200 },
    );
    return last!;
  }

  it("one owner and three holders: kill and restart a holder, then the owner; all converge", {
    timeout: 90_000,
  }, async () => {
    run++;
    // Long enough (30 s) that the kills below happen while the feed produces.
    const feedEnv = { FEED_RATE: "2000", FEED_COUNT: "60000" };
    let feed: NodeProcess = await start("feed", feedEnv);
    const hs = await Promise.all(["h1", "h2", "h3"].map((r) => start(r)));
    await sleep(1000);
    await hs[1]!.kill("SIGKILL");
    await sleep(300);
    hs[1] = await start("h2");
    await sleep(700);
    const before = await read("feed");
    await feed.kill("SIGKILL");
    await sleep(300);
    // The restarted feed resumes from the stored number under a new epoch, and sends 4,000 more.
    feed = await start("feed", { FEED_RATE: "2000", FEED_COUNT: "4000" });
    const { feed: end, holders } = await converged(60_000);
    expect(end.epoch).toBeGreaterThan(before.epoch);
    // It resumed from the number it had stored (written behind, 20 ms apart) when it was killed.
    const resumed = end.seq - 4000;
    expect(resumed).toBeGreaterThanOrEqual(before.seq - 1000);
    expect(resumed).toBeLessThan(60_000);
    expect(end.keys).toBeGreaterThan(0);
    console.log(
      `states e2e (restarts): feed epoch ${end.epoch} seq ${end.seq}; resyncs ${JSON.stringify(holders.map((h) => h.resyncs))}`,
    );
    // Kills make holders resynchronise, but none ever applied a number out of order or went back.
    for (const h of holders) expect(h.followed?.firstOutOfOrder).toEqual([]);
    await Promise.all([feed, ...hs].map((p) => p.kill("SIGKILL")));
  });

  it("a market-data feed in main mode at 10,000 deltas/s is followed by three holders with no divergence", {
    timeout: 150_000,
  }, async () => {
    run++;
    await Promise.all(["h1", "h2", "h3"].map((r) => start(r)));
    const t0 = Date.now();
    const feed = await start("feed", { FEED_RATE: "10000", FEED_COUNT: "30000", FEED_SYMBOLS: "500" });
    const { feed: end, holders } = await converged(120_000);
    const seconds = (Date.now() - t0) / 1000;
    expect(end.seq).toBe(30_000);
    console.log(
      `states e2e (10k/s): 30,000 deltas followed in ${seconds.toFixed(1)} s; resyncs ${JSON.stringify(holders.map((h) => h.resyncs))}; followed ${JSON.stringify(holders.map((h) => h.followed))}`,
    );
    // No divergence on the way, not only at the end: on one machine's loopback nothing is lost,
    // reordered or repeated, so no holder needed a snapshot past its first synchronisation (its
    // "unsynced" ones came while the feed was not up yet), and each applied every number after
    // its first snapshot as a delta, one by one, in order, up to the feed's 30,000.
    for (const h of holders) {
      expect(h.resyncs).toMatchObject({ gap: 0, duplicate: 0, "new-epoch": 0, behind: 0 });
      const f = h.followed!;
      expect(f.firstOutOfOrder).toEqual([]);
      expect(f.outOfOrder).toBe(0);
      expect(f.skipped).toBe(0);
      expect(f.firstSeq).toBeGreaterThanOrEqual(0);
      expect(f.deltas).toBe(30_000 - f.firstSeq);
    }
    // SIGTERM: the feed's signal handler stores the quotes; a restarted feed resumes at exactly 30,000.
    await feed.kill("SIGTERM");
    await start("feed", { FEED_RATE: "10000", FEED_COUNT: "0" });
    const again = await read("feed");
    expect(again.epoch).toBeGreaterThan(end.epoch);
    expect([again.seq, again.digest]).toEqual([30_000, end.digest]);
    await killAll();
  });
});
