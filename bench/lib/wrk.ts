// The one load generator of every HTTP figure: wrk (Debian package `wrk`).
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const WRK_MISSING = [
  "wrk is not installed; the HTTP benchmarks use it as their load generator.",
  "Install it with:  sudo apt-get install -y wrk   (Debian/Ubuntu; `brew install wrk` on macOS)",
  "or run only the in-process scenario:  npm run bench -- call",
].join("\n");

/** wrk's version line, or undefined when it is not installed. */
export function wrkVersion(): string | undefined {
  const probe = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (probe.error !== undefined) return undefined;
  return `${probe.stdout}${probe.stderr}`
    .split("\n")[0]
    ?.replace(/ Copyright.*$/, "")
    .trim();
}

export interface WrkOptions {
  readonly seconds: number;
  readonly connections: number;
  /** Command prefix that pins wrk to a CPU, or empty. */
  readonly pin: readonly string[];
  /** A JSON body to POST (GET when absent). */
  readonly post?: unknown;
}

export interface WrkResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** Responses with a status outside 2xx/3xx. */
  readonly non2xx: number;
  /** Connect, read, write and timeout errors. */
  readonly socketErrors: number;
}

const unitMs: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function latencyMs(text: string, percentile: string): number | undefined {
  const match = new RegExp(`^\\s+${percentile}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(text);
  return match === null ? undefined : Number(match[1]) * unitMs[match[2]!]!;
}

/** Reads wrk's report (`--latency`). */
export function parseWrk(text: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const requests = /^\s+(\d+) requests in/m.exec(text);
  if (rps === null || requests === null) throw new Error(`cannot read wrk's report:\n${text}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const p50Ms = latencyMs(text, "50");
  const p99Ms = latencyMs(text, "99");
  return {
    requests: Number(requests[1]),
    rps: Number(rps[1]),
    ...(p50Ms === undefined ? {} : { p50Ms }),
    ...(p99Ms === undefined ? {} : { p99Ms }),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
    socketErrors: socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0),
  };
}

/** One wrk run (one thread, since it has one core) against `url`. */
export async function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), "tesserae-bench-"));
  try {
    const args = ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, "--latency"];
    if (options.post !== undefined) {
      const script = join(dir, "post.lua");
      writeFileSync(
        script,
        [
          'wrk.method = "POST"',
          'wrk.headers["Content-Type"] = "application/json"',
          `wrk.body = [[${JSON.stringify(options.post)}]]`,
          "",
        ].join("\n"),
      );
      args.push("-s", script);
    }
    const [command, ...rest] = [...options.pin, "wrk", ...args, url];
    const { stdout } = await run(command!, rest, { timeout: (options.seconds + 30) * 1000 });
    return parseWrk(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
