// CPU time of a peer process, read from /proc: on a shared machine it tells whether the peer had its
// core to itself during a measurement (near 100 %) or was disturbed by other work.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** User + system CPU seconds used so far by `pid` (all its threads), or undefined off Linux. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticksPerSecond ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** The CPU seconds used so far by the child processes of `pid` (e.g. a gateway peer's service node). */
export function childrenCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  let children: number[];
  try {
    children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return undefined;
  }
  if (children.length === 0) return undefined;
  let total = 0;
  for (const child of children) total += cpuSeconds(child) ?? 0;
  return total;
}
