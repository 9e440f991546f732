// A peer's other process: the responder of a remote-call scenario, run from the same compiled build.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** The NATS server of the remote scenarios (the machine's shared one by default). */
export const NATS_URL = process.env.BENCH_NATS ?? "nats://127.0.0.1:4222";

/** The CPU list the runner gives a peer's other process (`BENCH_PEER_CPUS`), when it pins it. */
export const PEER_CPUS = "BENCH_PEER_CPUS";

/**
 * Starts `bench/peers/<name>.js` (compiled beside the caller) and resolves once it prints READY.
 * Pinned to the CPUs of `BENCH_PEER_CPUS` when the runner sets it (HTTP scenarios: never the
 * gateway's CPU); otherwise not pinned, and the caller, the responder and nats-server share the
 * machine's cores, the same way for every peer. Stopped with SIGTERM; it also dies with its
 * parent's stdin.
 */
export async function startResponder(name: string): Promise<{ stop(): Promise<void> }> {
  const file = fileURLToPath(new URL(`../peers/${name}.js`, import.meta.url));
  const cpus = process.env[PEER_CPUS];
  // Without this, the responder would inherit the caller's affinity: the gateway's one CPU.
  // The caller's node flags too: with --cpu-prof, the responder writes its profile beside the caller's.
  const node = [process.execPath, ...process.execArgv, file];
  const [command, ...args] = cpus === undefined || cpus === "" ? node : ["taskset", "-c", cpus, ...node];
  const child = spawn(command!, args, { stdio: ["pipe", "pipe", "inherit"], env: process.env });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("READY")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before READY`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  };
  process.once("exit", () => child.kill("SIGKILL"));
  return { stop };
}

/** For a responder: exit when the parent goes away (its stdin closes) or on SIGTERM. */
export function serveUntilParentGoes(close: () => Promise<unknown>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.stdin.on("end", stop).resume();
  process.once("SIGTERM", stop);
  process.stdout.write("READY\n");
}
