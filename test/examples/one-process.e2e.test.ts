// `npm start` and `npm run dev` as a process supervisor sees them: the PID it holds is npm's child,
// and a SIGKILL to that PID must leave no server behind. A crash test once found two workers with
// one worker id because `tsx` started the real server as a grandchild that outlived the kill; the
// scripts now run `node --import tsx`, the loader registered in-process (one node process).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "tesserae-one-process-"));
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // The group is gone already: what the tests expect.
    }
  }
  rmSync(tmp, { recursive: true, force: true });
});

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly argv: readonly string[];
}

/** Every live process, read from /proc (ps output differs between distributions). */
function processes(): Proc[] {
  const all: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Fields after the command name, which is in parentheses and may hold spaces.
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z") continue;
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
      all.push({ pid: Number(name), ppid: Number(ppid), pgrp: Number(pgrp), argv });
    } catch {
      // It exited while we read it.
    }
  }
  return all;
}

const childrenOf = (pid: number) => processes().filter((p) => p.ppid === pid);
const group = (pgrp: number) => processes().filter((p) => p.pgrp === pgrp);

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `npm <args>` in its own process group and resolves once the server answers on `port`. */
async function npm(args: readonly string[], port: number): Promise<ChildProcess> {
  const child = spawn("npm", [...args, "--silent"], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      TESSERA_STORE: `sqlite:${join(tmp, `${port}.db`)}`,
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  started.push(child);
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c));
  child.stderr!.on("data", (c: Buffer) => (output += c));
  await until(
    `npm ${args.join(" ")} to listen:\n${output}`,
    () => (/listening on http/.test(output) ? true : undefined),
    40_000,
  );
  return child;
}

/** Whether nothing listens on `port` any more: this process can take it. */
async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  const free = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (free) await new Promise((resolve) => server.close(resolve));
  return free;
}

/** Polls until the port is free, then says so; undefined while something still listens. */
const freed = (port: number) => async () => ((await portIsFree(port)) ? true : undefined);

async function untilAsync<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/text/upper`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"message":"hi"}',
  }).then(
    (res) => res.status,
    () => undefined,
  );

describe("npm start and npm run dev under a supervisor", { timeout: 60_000 }, () => {
  it("npm start: npm's child is the server itself, and SIGKILL to it leaves nothing running", async () => {
    const port = await freePort();
    const npmProcess = await npm(["start"], port);
    expect(await answers(port)).toBe(200);
    const [server, ...others] = childrenOf(npmProcess.pid!);
    expect(others).toEqual([]);
    expect(server!.argv.slice(0, 4)).toEqual(["node", "--import", "tsx", "src/cli/main.ts"]);
    // No second node process: the only child a server may have is esbuild's service, which tsx
    // uses to compile TypeScript and which exits when its parent goes.
    const nodes = childrenOf(server!.pid).filter((p) => !/esbuild$/.test(p.argv[0] ?? ""));
    expect(nodes).toEqual([]);
    process.kill(server!.pid, "SIGKILL");
    await until("the process group to be empty", () =>
      group(npmProcess.pid!).length === 0 ? true : undefined,
    );
    expect(await answers(port)).toBeUndefined();
  });

  it("npm run dev: SIGKILL to the supervisor also ends its worker", async () => {
    const port = await freePort();
    const npmProcess = await npm(["run", "dev"], port);
    expect(await answers(port)).toBe(200);
    const [supervisor] = childrenOf(npmProcess.pid!);
    expect(supervisor!.argv.slice(0, 4)).toEqual(["node", "--import", "tsx", "src/cli/main.ts"]);
    const workers = childrenOf(supervisor!.pid);
    expect(workers).toHaveLength(1);
    process.kill(supervisor!.pid, "SIGKILL");
    await until("the worker to exit", () => (group(npmProcess.pid!).length === 0 ? true : undefined));
    expect(await answers(port)).toBeUndefined();
  });
});

// A process manager that launched `npm start` holds npm's PID, and npm cannot pass on a SIGKILL:
// an outside user found the server re-parented to PID 1, still listening and answering. The
// server now notices that npm is gone and stops gracefully.
describe("SIGKILL to npm's own PID", { timeout: 90_000 }, () => {
  it("npm start: the server left behind by a killed npm stops, and the port is free", async () => {
    const port = await freePort();
    const npmProcess = await npm(["start"], port);
    expect(await answers(port)).toBe(200);
    const [server] = childrenOf(npmProcess.pid!);
    process.kill(npmProcess.pid!, "SIGKILL");
    await until(
      "the orphaned server to exit",
      () => (processes().some((p) => p.pid === server!.pid) ? undefined : true),
      20_000,
    );
    await untilAsync("the port to be free", freed(port));
    expect(group(npmProcess.pid!)).toEqual([]);
    expect(await answers(port)).toBeUndefined();
  });

  it("npm run dev: the supervisor and its worker left behind by a killed npm stop, and the port is free", async () => {
    const port = await freePort();
    const npmProcess = await npm(["run", "dev"], port);
    expect(await answers(port)).toBe(200);
    const [supervisor] = childrenOf(npmProcess.pid!);
    const [worker] = childrenOf(supervisor!.pid);
    expect(worker).toBeDefined();
    process.kill(npmProcess.pid!, "SIGKILL");
    await until(
      "the orphaned supervisor and worker to exit",
      () => (processes().some((p) => p.pid === supervisor!.pid || p.pid === worker!.pid) ? undefined : true),
      20_000,
    );
    await untilAsync("the port to be free", freed(port));
    expect(group(npmProcess.pid!)).toEqual([]);
    expect(await answers(port)).toBeUndefined();
  });
});
