import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reachable } from "./servers.js";

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A private nats-server with JetStream on a free loopback port and a temporary store, for tests
 * that stop or restart a broker (the shared one must stay up). Stopped by its PID.
 */
export class PrivateNatsServer {
  private child: ChildProcess | undefined;
  private readonly storeDir = mkdtempSync(join(tmpdir(), "tesserae-nats-"));

  private constructor(
    readonly port: number,
    /** Whether it runs JetStream (default yes). */
    private readonly jetstream = true,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(options: { jetstream?: boolean } = {}): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(await freePort(), options.jetstream ?? true);
    await server.start();
    return server;
  }

  /** Starts (again, on the same port and store) and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.child !== undefined) return;
    const child = spawn(
      "nats-server",
      ["-a", "127.0.0.1", "-p", String(this.port), ...(this.jetstream ? ["-js", "-sd", this.storeDir] : [])],
      { stdio: "ignore" },
    );
    this.child = child;
    child.once("exit", () => {
      if (this.child === child) this.child = undefined;
    });
    const until = Date.now() + 10_000;
    while (!(await reachable(this.port, "127.0.0.1", 200))) {
      if (this.child === undefined) throw new Error("nats-server exited at start (is it installed?)");
      if (Date.now() > until) throw new Error(`nats-server did not listen on ${this.port} within 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops it by its PID (SIGTERM, then SIGKILL after 5 s) and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  /** Stops it and removes its store. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
