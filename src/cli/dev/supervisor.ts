import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { boundedServerOptions, RequestBounds } from "../../features/gateway/request-bounds.js";
import { banner } from "../banner.js";
import { CliError } from "../cli-error.js";
import { watchLauncher } from "../launcher-watch.js";
import type { Output } from "../output.js";
import { DevProxy, Upstream } from "./proxy.js";
import { watchProject } from "./watch.js";
import { type ReadyMessage, type StopMessage, workerFlag } from "./worker-protocol.js";

export interface SupervisorOptions {
  /** The folder to watch (the project's root). */
  readonly root: string;
  /** The arguments of each worker's `tesserae start`. */
  readonly workerArgs: readonly string[];
  readonly out: Output;
}

interface Worker {
  readonly child: ChildProcess;
  readonly upstream: Upstream;
  readonly ready: ReadyMessage;
}

/** Starts a worker and resolves once it listens; rejects if it exits first. */
function startWorker(args: readonly string[]): Promise<Worker> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "start", ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, [workerFlag]: "1" },
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code, signal) => reject(new Error(`exit ${signal ?? code}`)));
    child.on("message", (msg: ReadyMessage) => {
      if (msg?.type !== "ready") return;
      const { hostname, port } = new URL(msg.url);
      const upstream = new Upstream(hostname, Number(port), new RequestBounds(msg.limits));
      resolve({ child, upstream, ready: msg });
    });
  });
}

/** Tells a worker to stop once the requests sent to it are answered; kills it if it lingers. */
async function retire(worker: Worker, graceMs = 10_000): Promise<void> {
  await worker.upstream.drained();
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => worker.child.once("exit", () => resolve()));
  const stop: StopMessage = { type: "stop" };
  if (worker.child.connected) worker.child.send(stop);
  const timer = setTimeout(() => worker.child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  worker.upstream.agent.destroy();
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          err.code === "EADDRINUSE"
            ? `cannot listen on ${host}:${port}: the port is in use (choose another with --port or PORT)`
            : `cannot listen on ${host}:${port}: ${err.message}`,
        ),
      ),
    );
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve(`http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`);
    });
  });
}

/**
 * `tesserae dev`: keeps the HTTP port in this process and the project in a worker process behind
 * it. On a change, a new worker starts; once it listens, new requests go to it, and the old one
 * stops when its last request is answered. A worker that fails to start leaves the previous one
 * serving. Resolves with the exit code after SIGINT/SIGTERM.
 */
export async function superviseDev(options: SupervisorOptions): Promise<number> {
  const { out } = options;
  const c = out.errColor;
  const proxy = new DevProxy();
  // The port of `tesserae dev` is bounded as the project's own server is (its settings, kept by each worker).
  const server = createServer(boundedServerOptions, (req, res) => proxy.handle(req, res));
  let url: string | undefined;
  let current: Worker | undefined;
  let starting = false;
  let again = false;
  let stopping = false;
  let failed: (err: unknown) => void = () => undefined;
  const fatal = new Promise<number>((_, reject) => {
    failed = reject;
  });

  const reload = async (): Promise<void> => {
    if (starting) {
      again = true;
      return;
    }
    starting = true;
    const t0 = performance.now();
    try {
      const next = await startWorker(options.workerArgs);
      if (stopping) {
        await retire(next);
        return;
      }
      next.child.once("exit", (code) => {
        if (current !== next || stopping) return;
        current = undefined;
        proxy.unavailable(`the project exited (${code}): waiting for a change`);
        out.err(c.red(`✗ the project exited (code ${code}); waiting for a change`));
      });
      const { summary, listen: where } = next.ready;
      const previous = current;
      current = next;
      proxy.swap(next.upstream);
      next.upstream.bounds.apply(server);
      if (url === undefined) {
        // The port comes from the project's settings, which only a worker can read.
        url = await listen(server, where.port, where.host);
        out.out(banner(out.color, summary, url, out.color.dim(" (reloads on change)")));
      } else {
        const ms = Math.round(performance.now() - t0);
        const routes = summary.routes.length === 1 ? "1 route" : `${summary.routes.length} routes`;
        out.err(c.green(`✓ reloaded in ${ms} ms (${routes})`));
        const now = new URL(url);
        if (String(where.port) !== now.port && where.port !== 0) {
          out.err(c.yellow(`the port is now ${where.port}: restart tesserae dev to move from ${now.port}`));
        }
      }
      if (previous !== undefined) void retire(previous);
    } catch (err) {
      if (err instanceof CliError) {
        failed(err);
        return;
      }
      const keep = current === undefined ? "waiting for a change" : "the previous version keeps serving";
      if (current === undefined)
        proxy.unavailable("the project failed to start: see the terminal of tesserae dev");
      out.err(c.red(`✗ the project failed to start (see above); ${keep}`));
    } finally {
      starting = false;
      if (again && !stopping) {
        again = false;
        void reload();
      }
    }
  };

  const watcher = watchProject(options.root, (file) => {
    if (stopping) return;
    out.err(c.dim(`↻ ${file} changed`));
    void reload();
  });
  void reload();

  let unwatchLauncher = (): void => undefined;
  const stopped = new Promise<number>((resolve) => {
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await watcher.close();
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      if (current !== undefined) await retire(current);
      server.closeAllConnections();
      if (url !== undefined) await closed;
      resolve(0);
    };
    process.once("SIGINT", () => {
      process.once("SIGINT", () => process.exit(1));
      void stop();
    });
    process.once("SIGTERM", () => void stop());
    unwatchLauncher = watchLauncher((why) => {
      out.err(c.yellow(`stopping: ${why}`));
      void stop();
    });
  });
  return Promise.race([stopped, fatal]).finally(() => {
    unwatchLauncher();
    void watcher.close();
    if (current !== undefined) current.child.kill();
  });
}
