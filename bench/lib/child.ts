// Starts a peer as a child process (compiled, pinned when possible) and reads its one-line report.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { peerScript } from "./build.js";

export interface PeerProcess {
  /** The payload of the peer's `READY` or `RESULT` line. */
  readonly line: string;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL if the peer has not exited within 3 s. */
  stop(): Promise<void>;
  /** Lets a peer that exits by itself finish (e.g. to write a CPU profile), then stops it. */
  finish(): Promise<void>;
}

export interface StartOptions {
  /** Command prefix that pins the child to a CPU (`taskset -c N`), or empty. */
  readonly pin: readonly string[];
  readonly env?: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
  /** How long to wait for the line (ms). */
  readonly timeout: number;
}

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const live = new Set<ChildProcess>();

/** Kills the peers still running (the runner calls it on SIGINT and on a crash). */
export function killAll(): void {
  for (const child of live) child.kill("SIGKILL");
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

/** Runs the compiled `bench/peers/<file>` and resolves once it prints a line starting with `prefix` (`READY`/`RESULT`). */
export function startPeer(file: string, prefix: string, options: StartOptions): Promise<PeerProcess> {
  const [command, ...args] = [
    ...options.pin,
    process.execPath,
    ...(options.nodeFlags ?? []),
    peerScript(file),
  ];
  const child = spawn(command!, args, {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: "production", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));

  return new Promise((resolve, reject) => {
    let settled = false;
    let out = "";
    let err = "";
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stopChild(child);
      reject(new Error(`${file}: ${why}${err.trim() === "" ? "" : `\n${err.trim()}`}`));
    };
    const timer = setTimeout(() => fail(`no ${prefix} line within ${options.timeout} ms`), options.timeout);
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      err = (err + chunk).slice(-4000);
    });
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const complete = out.slice(0, out.lastIndexOf("\n") + 1);
      const line = complete.split("\n").find((l) => l.startsWith(`${prefix} `));
      if (line === undefined || settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        line: line.slice(prefix.length + 1).trim(),
        child,
        stop: () => stopChild(child),
        finish: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            await Promise.race([once(child, "exit"), new Promise((r) => setTimeout(r, 5000))]);
          }
          await stopChild(child);
        },
      });
    });
    child.once("error", (e) => fail(e.message));
    child.once("exit", (code, signal) => fail(`exited (${signal ?? code}) before printing ${prefix}`));
  });
}
