// The body of a remote-call peer: check the call works and validates, warm up, measure with latencies.
import { envNumber, reportResult } from "./peer-process.js";
import { invalidUser, validUser } from "./workload.js";

/** Keeps `concurrency` calls in flight for `ms`; records every latency (µs resolution). */
async function loop(
  call: () => Promise<unknown>,
  concurrency: number,
  ms: number,
  latencies: number[] | undefined,
) {
  const start = performance.now();
  const end = start + ms;
  let calls = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await call();
      latencies?.push(performance.now() - t0);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { calls, seconds: (performance.now() - start) / 1000 };
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/**
 * `call` must resolve `{ ok: true, name }` for a valid user and (unless `validates` is false)
 * reject an ill-typed one. Reports calls/s with p50 and p99 latency.
 */
export async function measureRemoteCalls(
  call: (input: unknown) => Promise<unknown>,
  validates = true,
): Promise<void> {
  const reply = (await call(validUser)) as { ok?: unknown; name?: unknown };
  if (reply.ok !== true || reply.name !== validUser.name)
    throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  if (validates) {
    const refused = await call(invalidUser).then(
      () => false,
      () => true,
    );
    if (!refused) throw new Error("an ill-typed input was accepted: validation is not active");
  }
  const concurrency = envNumber("BENCH_CONCURRENCY", 100);
  const once = () => call(validUser);
  await loop(once, concurrency, envNumber("BENCH_WARMUP", 3) * 1000, undefined);
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const { calls, seconds } = await loop(once, concurrency, envNumber("BENCH_DURATION", 10) * 1000, latencies);
  const { user, system } = process.cpuUsage(cpu);
  const sorted = Float64Array.from(latencies).sort();
  reportResult({
    calls,
    seconds,
    rate: calls / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    cpuPercent: (user + system) / 1e4 / seconds,
  });
}
