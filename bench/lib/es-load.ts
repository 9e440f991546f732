// Loading one aggregate of 10,000 events, one load after another: by replaying every event, or from
// a snapshot. The result's p50/p99 are the latencies of one load.
import { aggregate, type DomainEvent, eventSourcing } from "../../src/features/eventsourcing/index.js";
import { percentiles } from "./event-store-load.js";
import { envNumber, reportResult } from "./peer-process.js";
import { benchEventStore } from "./tesserae-event-store.js";

const EVENTS = 10_000;

type Deposited = DomainEvent<"deposited", { amount: number }>;

export async function measureLoads(snapshots: boolean): Promise<void> {
  const { store } = await benchEventStore(snapshots ? "bench_tessera_snap" : "bench_tessera_replay");
  const def = aggregate("bench-account", {
    initial: () => ({ balance: 0, deposits: 0 }),
    evolve: (s, e: Deposited) => ({ balance: s.balance + e.data.amount, deposits: s.deposits + 1 }),
    ...(snapshots ? { snapshots: { every: 1000 } } : {}),
  });
  const repo = eventSourcing({ store }).repository(def);
  const id = "big";
  for (let v = 0; v < EVENTS; v += 500) {
    const batch = Array.from({ length: 500 }, () => ({ type: "deposited", data: { amount: 1 } }));
    await store.append(def.streamOf(id), batch, { expectedVersion: v });
  }
  if (snapshots) await repo.snapshot(id);
  const check = await repo.get(id);
  if (check.version !== EVENTS || check.state.balance !== EVENTS)
    throw new Error("wrong state after loading");

  const loadFor = async (ms: number) => {
    const times: number[] = [];
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t0 = performance.now();
      await repo.get(id);
      times.push(performance.now() - t0);
    }
    return times;
  };
  await loadFor(envNumber("BENCH_WARMUP", 3) * 1000);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const times = await loadFor(envNumber("BENCH_DURATION", 10) * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  reportResult({
    calls: times.length,
    seconds,
    rate: times.length / seconds,
    cpuPercent: (user + system) / 1e4 / seconds,
    ...percentiles(times),
  });
  await store.close();
}
