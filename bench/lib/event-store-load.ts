// The event-store load: `concurrency` writers, each appending one small event at a time to its own
// stream with the expected version it knows, in a closed loop; then a check that nothing was lost.
import { envNumber, reportResult } from "./peer-process.js";

/** Appends one event to `stream`, expecting `expected` events there; resolves to the new version. */
export type AppendOne = (stream: string, expected: number) => Promise<number>;

export interface LoadOptions {
  /** Reads a stream's version after the run (to check that every counted append is there). */
  readonly versionOf: (stream: string) => Promise<number>;
  /** Extra fields of the result line (e.g. latencies). */
  readonly extra?: () => object;
}

/** Refuses to measure an adapter whose expected-version check does not work. */
async function checkConflict(append: AppendOne, prefix: string): Promise<void> {
  const stream = `${prefix}-check`;
  await append(stream, 0);
  const refused = await append(stream, 0).then(
    () => false,
    () => true,
  );
  if (!refused) throw new Error("an append with a stale expected version was accepted");
}

export async function measureAppends(append: AppendOne, options: LoadOptions): Promise<void> {
  const prefix = `bench-${Date.now().toString(36)}`;
  await checkConflict(append, prefix);
  const concurrency = envNumber("BENCH_CONCURRENCY", 100);
  const versions = new Array<number>(concurrency).fill(0);
  const run = async (ms: number) => {
    const end = performance.now() + ms;
    let appends = 0;
    await Promise.all(
      versions.map(async (_, i) => {
        while (performance.now() < end) {
          versions[i] = await append(`${prefix}-${i}`, versions[i]!);
          appends++;
        }
      }),
    );
    return appends;
  };
  await run(envNumber("BENCH_WARMUP", 3) * 1000);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const appends = await run(envNumber("BENCH_DURATION", 10) * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  for (let i = 0; i < concurrency; i += 17) {
    const stored = await options.versionOf(`${prefix}-${i}`);
    if (stored !== versions[i])
      throw new Error(`stream ${i}: ${stored} events stored, ${versions[i]} appended`);
  }
  reportResult({
    calls: appends,
    seconds,
    rate: appends / seconds,
    cpuPercent: (user + system) / 1e4 / seconds,
    ...options.extra?.(),
  });
}

/** The p50 and p99 of a list of milliseconds. */
export function percentiles(ms: readonly number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}
