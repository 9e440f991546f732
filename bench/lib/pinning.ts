// CPU pinning: the server (or the in-process peer) on one core, the load generator on another, so that
// they never compete for the same core and every peer gets the same share of the machine. A peer made
// of two processes (a gateway node and the service node it calls) has its other process pinned off
// the server's core, so that the server keeps a core to itself, as a one-process peer does.
import { spawnSync } from "node:child_process";

export interface Pinning {
  /** Command prefix that pins the measured process (empty when pinning is unavailable). */
  readonly server: readonly string[];
  /** Command prefix that pins wrk. */
  readonly load: readonly string[];
  /**
   * The CPU list (`taskset -c` syntax) for a peer's other process, never the server's CPU: a third
   * CPU when there is one, else the load generator's. Empty when pinning is unavailable.
   */
  readonly peer: string;
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

/** Pinning over the CPUs this process may use: server, load generator, a peer's other process. */
export function pinningFor(cpus: readonly number[]): Pinning {
  const [server, load, third] = cpus;
  if (server === undefined || load === undefined) {
    return { server: [], load: [], peer: "", note: `not pinned (only CPU ${cpus.join(",")} available)` };
  }
  const peer = third ?? load;
  return {
    server: ["taskset", "-c", String(server)],
    load: ["taskset", "-c", String(load)],
    peer: String(peer),
    note:
      `server on CPU ${server}, load generator on CPU ${load}, ` +
      `a peer's other process on CPU ${peer}${third === undefined ? " (shared with the load generator)" : ""}`,
  };
}

/** Pins to the first CPUs this process may use, when `taskset` exists and there are two or more. */
export function choosePinning(): Pinning {
  const probe = spawnSync("taskset", ["-cp", String(process.pid)], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    return {
      server: [],
      load: [],
      peer: "",
      note: "not pinned (taskset not found: apt-get install -y util-linux)",
    };
  }
  return pinningFor(parseCpuList(probe.stdout.slice(probe.stdout.lastIndexOf(":") + 1)));
}
