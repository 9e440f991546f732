// Commands on hot streams (issue 17, bug 8): `writers` in a closed loop, writer i depositing 1 on
// stream i % 10, each command done with the peer's own way of handling version conflicts. Counts
// the commands that succeeded (a command that failed after the peer's retries is counted apart),
// then checks that every stream's balance is what its writers counted.
import { percentiles } from "./event-store-load.js";
import { envNumber, reportResult } from "./peer-process.js";

/** Deposits 1 on `stream` (creating it when missing); rejects when the peer gives up. */
export type Deposit = (stream: string) => Promise<void>;

export const HOT_STREAMS = 10;

export async function measureContention(
  writers: number,
  deposit: Deposit,
  balanceOf: (stream: string) => Promise<number>,
): Promise<void> {
  const prefix = `hot${Date.now().toString(36)}`;
  const streams = Array.from({ length: HOT_STREAMS }, (_, i) => `${prefix}-${i}`);
  const counted = new Array<number>(HOT_STREAMS).fill(0);
  // The streams exist before the run: every writer's command is an update of a hot aggregate.
  for (const [i, s] of streams.entries()) {
    await deposit(s);
    counted[i]!++;
  }
  const run = async (ms: number) => {
    const end = performance.now() + ms;
    const latencies: number[] = [];
    let ok = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const i = w % HOT_STREAMS;
        while (performance.now() < end) {
          const t = performance.now();
          try {
            await deposit(streams[i]!);
            counted[i]!++;
            ok++;
            latencies.push(performance.now() - t);
          } catch {
            failed++;
          }
        }
      }),
    );
    return { ok, failed, latencies };
  };
  await run(envNumber("BENCH_WARMUP", 3) * 1000);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const { ok, failed, latencies } = await run(envNumber("BENCH_DURATION", 10) * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  for (const [i, s] of streams.entries()) {
    const balance = await balanceOf(s);
    if (balance !== counted[i])
      throw new Error(`stream ${s}: balance ${balance}, ${counted[i]} deposits succeeded`);
  }
  const { p50Ms, p99Ms } = percentiles(latencies);
  reportResult({
    calls: ok,
    seconds,
    rate: ok / seconds,
    cpuPercent: (user + system) / 1e4 / seconds,
    p50Ms,
    p99Ms,
    failed,
    detail: `${failed} failed after retries (${((100 * failed) / Math.max(1, ok + failed)).toFixed(1)}%), p50 ${p50Ms.toFixed(1)} ms`,
  });
}
