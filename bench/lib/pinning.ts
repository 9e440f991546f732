// CPU pinning: the server (or the in-process peer) on one core, the load generator on another, so that
// they never compete for the same core and every peer gets the same share of the machine.
import { spawnSync } from "node:child_process";

export interface Pinning {
  /** Command prefix that pins the measured process (empty when pinning is unavailable). */
  readonly server: readonly string[];
  /** Command prefix that pins wrk. */
  readonly load: readonly string[];
  /** One line for the report. */
  readonly note: string;
}

/** Parses a CPU list such as `0-3,6`. */
export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(",")) {
    const [from, to] = part.split("-").map(Number);
    if (from === undefined || !Number.isInteger(from)) continue;
    for (let cpu = from; cpu <= (to ?? from); cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** Pins to the first two CPUs this process may use, when `taskset` exists and there are two. */
export function choosePinning(): Pinning {
  const probe = spawnSync("taskset", ["-cp", String(process.pid)], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    return { server: [], load: [], note: "not pinned (taskset not found: apt-get install -y util-linux)" };
  }
  const cpus = parseCpuList(probe.stdout.slice(probe.stdout.lastIndexOf(":") + 1));
  const [server, load] = cpus;
  if (server === undefined || load === undefined) {
    return { server: [], load: [], note: `not pinned (only CPU ${cpus.join(",")} available)` };
  }
  return {
    server: ["taskset", "-c", String(server)],
    load: ["taskset", "-c", String(load)],
    note: `server on CPU ${server}, load generator on CPU ${load}`,
  };
}
