// The states scenario (issue 9): deltas from one owner to three holders, each holder its own
// process, over NATS. The owner's side drives the load and measures; the holders' side counts
// what was applied and, for timestamped deltas, the latency from the update to the callback.
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { envNumber, reportResult } from "./peer-process.js";
import { NATS_URL, startResponder } from "./responder.js";

export const HOLDERS = 3;
export const SYMBOLS = 100;
const progressSubject = "bench.states.progress";
const statsSubject = "bench.states.stats";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Epoch ms, comparable between processes (the wall clock: `performance.timeOrigin` is taken at
 * each process's start and, on a busy machine, may be off by a scheduling delay).
 */
export const now = () => Date.now();

/** A delta of the workload: one symbol's price and the time it was sent. */
export const delta = (i: number) => ({ [`S${i % SYMBOLS}`]: i, t: now() });

/**
 * A holder's side: `applied()` is the number of deltas applied so far, `latency(t)` records one
 * (sent at `t`). Reports progress every 20 ms and its latencies' p99 when asked; READY once set up.
 */
export async function serveHolder(
  id: string,
): Promise<{ applied: (n: number) => void; latency: (t: number) => void }> {
  const nc = await connect({ servers: NATS_URL, name: `bench-holder-${id}` });
  let count = 0;
  let sampling = false;
  let samples: number[] = [];
  const timer = setInterval(
    () => nc.publish(progressSubject, encoder.encode(JSON.stringify({ id, count }))),
    20,
  );
  nc.subscribe(`${statsSubject}.${id}`, {
    callback: (_err, msg) => {
      const cmd = decoder.decode(msg.data);
      if (cmd === "start") {
        samples = [];
        sampling = true;
        msg.respond(encoder.encode("{}"));
        return;
      }
      sampling = false;
      const sorted = Float64Array.from(samples).sort();
      const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
      msg.respond(encoder.encode(JSON.stringify({ n: sorted.length, p50: p(0.5), p99: p(0.99) })));
    },
  });
  await nc.flush();
  const stop = () => {
    clearInterval(timer);
    void nc.close().finally(() => process.exit(0));
  };
  process.stdin.on("end", stop).resume();
  process.once("SIGTERM", stop);
  return {
    applied: (n) => {
      count = n;
    },
    latency: (t) => {
      if (sampling) samples.push(now() - t);
    },
  };
}

export function announceHolder(): void {
  process.stdout.write("READY\n");
}

/**
 * The owner's side. `send(i)` sends delta number i (1-based). Phase 1, throughput: as fast as the
 * slowest holder follows (at most `window` deltas ahead of it) for BENCH_DURATION seconds; the
 * rate counts the deltas every holder applied. Phase 2, latency: paced at BENCH_STATES_RATE
 * deltas/s (default 2,000) for half that time; p99 is the worst holder's, update to callback.
 */
export async function measureFanOut(
  holderPeer: string,
  send: (i: number) => void,
  prepare?: () => Promise<void>,
): Promise<void> {
  const holders = await Promise.all(
    Array.from({ length: HOLDERS }, (_, i) =>
      withEnv({ BENCH_HOLDER: `h${i + 1}` }, () => startResponder(holderPeer)),
    ),
  );
  await prepare?.();
  const nc: NatsConnection = await connect({ servers: NATS_URL, name: "bench-owner-probe" });
  const progress = new Map<string, number>();
  nc.subscribe(progressSubject, {
    callback: (_err, msg) => {
      const { id, count } = JSON.parse(decoder.decode(msg.data)) as { id: string; count: number };
      progress.set(id, count);
    },
  });
  await nc.flush();
  const slowest = () => (progress.size < HOLDERS ? 0 : Math.min(...progress.values()));
  const window = 20_000;
  let sent = 0;
  const pump = async (ms: number, perSecond: number | undefined) => {
    const t0 = performance.now();
    const end = t0 + ms;
    const base = sent;
    while (performance.now() < end) {
      const target =
        perSecond === undefined
          ? slowest() + window
          : base + Math.floor(((performance.now() - t0) / 1000) * perSecond);
      const until = Math.min(target, sent + 2000);
      while (sent < until) send(++sent);
      await (sent >= target ? sleep(1) : new Promise((r) => setImmediate(r)));
    }
  };
  const caughtUp = async () => {
    while (slowest() < sent) await sleep(2);
  };
  await pump(envNumber("BENCH_WARMUP", 3) * 1000, undefined);
  await caughtUp();
  const from = sent;
  const t0 = performance.now();
  await pump(envNumber("BENCH_DURATION", 10) * 1000, undefined);
  await caughtUp();
  const seconds = (performance.now() - t0) / 1000;
  const rate = (sent - from) / seconds;

  for (let i = 1; i <= HOLDERS; i++) await nc.request(`${statsSubject}.h${i}`, encoder.encode("start"));
  await pump((envNumber("BENCH_DURATION", 10) * 1000) / 2, envNumber("BENCH_STATES_RATE", 2000));
  await caughtUp();
  const stats: { p50: number; p99: number; n: number }[] = [];
  for (let i = 1; i <= HOLDERS; i++) {
    const reply = await nc.request(`${statsSubject}.h${i}`, encoder.encode("stop"));
    stats.push(JSON.parse(decoder.decode(reply.data)) as { p50: number; p99: number; n: number });
  }
  await nc.close();
  await Promise.all(holders.map((h) => h.stop()));
  reportResult({
    rate,
    calls: sent - from,
    seconds,
    p50Ms: Math.max(...stats.map((s) => s.p50)),
    p99Ms: Math.max(...stats.map((s) => s.p99)),
    latencySamples: stats.reduce((n, s) => n + s.n, 0),
  });
}

async function withEnv<T>(env: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await f();
  } finally {
    for (const k of Object.keys(env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}
