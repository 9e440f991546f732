// Issue 18, second verification, finding 1: brokerless, a publication or a state delta arrived twice
// when two processes were linked both ways (each binds and connects to the other: two links).
import { createServer } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { zeromqTransport } from "../../../src/adapters/zeromq/index.js";
import { jsonCodec } from "../../../src/core/codec.js";
import { type Logger, silentLogger } from "../../../src/core/logger.js";
import type { Transport } from "../../../src/core/transport.js";
import { state } from "../../../src/features/states/index.js";
import { StateHolder } from "../../../src/features/states/state-holder.js";
import { StateOwner } from "../../../src/features/states/state-owner.js";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (data: Uint8Array) => new TextDecoder().decode(data);
const opened: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const t of opened.splice(0).reverse()) await t.close();
});

/** Two transports, each bound on its own port and connected to the other's. */
async function linkedBothWays(): Promise<[Transport, Transport]> {
  const [pa, pb] = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
  const a = zeromqTransport({ bind: [pa], connect: [pb] });
  const b = zeromqTransport({ bind: [pb], connect: [pa] });
  opened.push(a, b);
  await Promise.all([a.connect(), b.connect()]);
  return [a, b];
}

describe("two processes linked both ways (brokerless)", () => {
  it("regression: every publication reached the subscriber twice when each process bound and connected to the other", async () => {
    const [a, b] = await linkedBothWays();
    const seen: string[] = [];
    await b.subscribe("fills", {}, (msg) => {
      seen.push(dec(msg.data));
    });
    const n = 50;
    for (let i = 0; i < n; i++) await a.publish("fills", enc(String(i)));
    // A marker after the publications, on the same link: once it is in, every fill is.
    let marked = false;
    await b.subscribe("marker", {}, () => {
      marked = true;
    });
    await a.publish("marker", enc("end"));
    await vi.waitFor(() => expect(marked).toBe(true), { timeout: 5000 });
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => String(i)));
  });

  it("regression: a state holder saw each delta twice (and fetched a snapshot after every one) when linked both ways", async () => {
    const [a, b] = await linkedBothWays();
    const ticks = state("ticks", z.record(z.string(), z.number()), { initial: {} });
    const host = (transport: Transport) => ({ transport, codec: jsonCodec, logger: silentLogger });
    const owner = new StateOwner(ticks, host(a), { beatMs: 60_000 });
    await owner.start();
    const holder = new StateHolder(ticks, host(b));
    const kinds: string[] = [];
    holder.onChange((change) => kinds.push(change.kind));
    await holder.start();
    await vi.waitFor(() => expect(holder.synced).toBe(true), { timeout: 5000 });
    kinds.length = 0;
    const before = { ...holder.resyncs };
    const n = 30;
    for (let i = 1; i <= n; i++) await owner.patch({ [`k${i}`]: i });
    await vi.waitFor(() => expect(holder.seq).toBe(owner.seq), { timeout: 5000 });
    expect(kinds).toEqual(Array.from({ length: n }, () => "delta"));
    expect(holder.resyncs).toEqual(before);
    await holder.stop();
    await owner.stop();
  });

  it("regression: a brokerless holder started before its owner logged 'no snapshot: will try again' twice a second forever; now once, then counted", async () => {
    const [, b] = await linkedBothWays();
    const lines: string[] = [];
    const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
    const logger: Logger = {
      debug: () => undefined,
      info: at("info"),
      warn: at("warn"),
      error: at("error"),
      child: () => logger,
    };
    const ticks = state("ticks", z.record(z.string(), z.number()), { initial: {} });
    let asked = 0;
    const holder = new StateHolder(ticks, { transport: b, codec: jsonCodec, logger }, { retryMs: 10 });
    const request = b.request.bind(b);
    b.request = (...a) => {
      asked++;
      return request(...a);
    };
    await holder.start();
    // No owner anywhere: every request fails at once ("no responders"); let several retries pass.
    await vi.waitFor(() => expect(asked).toBeGreaterThanOrEqual(4), { timeout: 10_000, interval: 20 });
    await holder.stop();
    expect(holder.synced).toBe(false);
    expect(lines.filter((l) => !l.startsWith("info"))).toEqual([
      expect.stringMatching(
        /^warn requesting a snapshot of the state failed: .*repeats are counted, not logged/,
      ),
    ]);
  });
});
