// The flow load: `concurrency` runs in flight in a closed loop (each start waits for its run's end),
// a warm-up, then the measured window. The rate is in steps per second (runs × steps of a run).
import { envNumber, reportResult } from "./peer-process.js";

/** Runs one flow to its end (or one unit of work of a reference peer). */
export type RunOne = (n: number) => Promise<void>;

/** The p50 and p99 of a list of milliseconds. */
function percentiles(ms: number[]): { p50Ms: number; p99Ms: number } {
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

/**
 * Measures `runOne` with BENCH_CONCURRENCY (100) in flight and prints the RESULT line: `rate` in
 * steps/s, `runs`/s, the run latency p50/p99 and the share of a core used.
 */
export async function measureRuns(
  runOne: RunOne,
  stepsPerRun: number,
  extra: () => object = () => ({}),
): Promise<void> {
  const concurrency = envNumber("BENCH_CONCURRENCY", 100);
  let counter = 0;
  const window = async (ms: number, latencies?: number[]) => {
    const end = performance.now() + ms;
    let runs = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          await runOne(counter++);
          latencies?.push(performance.now() - t0);
          runs++;
        }
      }),
    );
    return runs;
  };
  await window(envNumber("BENCH_WARMUP", 3) * 1000);
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const runs = await window(envNumber("BENCH_DURATION", 10) * 1000, latencies);
  const seconds = (performance.now() - t0) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  reportResult({
    calls: runs * stepsPerRun,
    seconds,
    rate: (runs * stepsPerRun) / seconds,
    runsPerSecond: runs / seconds,
    ...percentiles(latencies),
    cpuPercent: (user + system) / 1e4 / seconds,
    ...extra(),
  });
}
