// Warm invocations: one event at a time (as a Lambda instance receives them), for the warm-up then
// the measured duration; p50/p99 are the times of one event.
import { envNumber, reportResult } from "./peer-process.js";
import { median } from "./report.js";

/** `invoke` must answer the check; then it is called back to back and timed. */
export async function measureInvocations(
  invoke: () => Promise<unknown>,
  check: (r: unknown) => void,
): Promise<void> {
  check(await invoke());
  const run = async (ms: number) => {
    const times: number[] = [];
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t0 = performance.now();
      await invoke();
      times.push(performance.now() - t0);
    }
    return times;
  };
  await run(envNumber("BENCH_WARMUP", 3) * 1000);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const times = await run(envNumber("BENCH_DURATION", 10) * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const sorted = times.sort((a, b) => a - b);
  const p50Ms = median(sorted);
  reportResult({
    calls: times.length,
    seconds,
    rate: times.length / seconds,
    p50Ms,
    p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? p50Ms,
    cpuPercent: (user + system) / 1e4 / seconds,
    detail: `p50 ${(p50Ms * 1000).toFixed(1)} µs per event`,
  });
}
