import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const live = new Set<ChildProcess>();

export interface NodeProcess {
  readonly child: ChildProcess;
  /** The JSON of the process's `READY` line. */
  readonly ready: { readonly id: string; readonly url?: string };
  /** Its stderr so far (for failure messages). */
  stderr(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `test/e2e/fixtures/<script>` with tsx in a child process and waits for its `READY {json}`
 * line. Every process started here is killed by {@link killAll}.
 */
export function startProcess(
  script: string,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<NodeProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", `test/e2e/fixtures/${script}`], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    err = (err + chunk).slice(-8000);
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} printed no READY within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${signal ?? code}) before READY\n${err}`));
    });
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("READY "));
      if (line === undefined) return;
      clearTimeout(timer);
      out = "";
      resolve({
        child,
        ready: JSON.parse(line.slice(6)) as NodeProcess["ready"],
        stderr: () => err,
        kill: async (signal) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, "exit");
          child.kill(signal);
          await exited;
        },
      });
    });
  });
}

/** Kills every process still running (afterAll). */
export async function killAll(): Promise<void> {
  const all = [...live];
  await Promise.all(
    all.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }),
  );
}
