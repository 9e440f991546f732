// The body of an in-process peer: check that the call works and validates, warm up, measure, report.
import { closedLoop } from "./closed-loop.js";
import { envNumber, reportResult } from "./peer-process.js";
import { invalidUser, validUser } from "./workload.js";

/** `call` must resolve `{ ok: true, name }` for a valid user and reject an ill-typed one. */
export async function measureCalls(call: (input: unknown) => Promise<unknown>): Promise<void> {
  const reply = (await call(validUser)) as { ok?: unknown; name?: unknown };
  if (reply.ok !== true || reply.name !== validUser.name)
    throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  const refused = await call(invalidUser).then(
    () => false,
    () => true,
  );
  if (!refused) throw new Error("an ill-typed input was accepted: validation is not active");

  const concurrency = envNumber("BENCH_CONCURRENCY", 100);
  const once = () => call(validUser);
  await closedLoop(once, concurrency, envNumber("BENCH_WARMUP", 3) * 1000);
  const cpu = process.cpuUsage();
  const { calls, seconds } = await closedLoop(once, concurrency, envNumber("BENCH_DURATION", 10) * 1000);
  const { user, system } = process.cpuUsage(cpu);
  reportResult({ calls, seconds, rate: calls / seconds, cpuPercent: (user + system) / 1e4 / seconds });
}
