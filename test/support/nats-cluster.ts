import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { freePort } from "./nats-server.js";
import { reachable } from "./servers.js";

/** One server of a {@link NatsCluster}. */
export interface ClusterServer {
  readonly name: string;
  readonly port: number;
  readonly routePort: number;
  readonly storeDir: string;
  child: ChildProcess | undefined;
}

/**
 * A private NATS cluster with JetStream (three servers by default) on free loopback ports, each
 * with a temporary store, for tests that kill servers under load. Servers are started and stopped
 * by their PIDs; {@link NatsCluster.dispose} stops them all and removes their stores.
 */
export class NatsCluster {
  private constructor(
    readonly name: string,
    readonly servers: readonly ClusterServer[],
  ) {}

  /** Client URLs of every server. */
  get urls(): string[] {
    return this.servers.map((s) => `nats://127.0.0.1:${s.port}`);
  }

  static async start(size = 3): Promise<NatsCluster> {
    const name = `tc${Math.random().toString(36).slice(2, 8)}`;
    const servers: ClusterServer[] = [];
    for (let i = 0; i < size; i++) {
      servers.push({
        name: `${name}-n${i + 1}`,
        port: await freePort(),
        routePort: await freePort(),
        storeDir: mkdtempSync(join(tmpdir(), "tesserae-nats-cluster-")),
        child: undefined,
      });
    }
    const cluster = new NatsCluster(name, servers);
    try {
      await Promise.all(servers.map((s) => cluster.startServer(s.name)));
    } catch (err) {
      await cluster.dispose();
      throw err;
    }
    return cluster;
  }

  server(name: string): ClusterServer {
    const s = this.servers.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no server ${name} in cluster ${this.name}`);
    return s;
  }

  /** Starts (again, same ports and store) one server and waits until it accepts clients. */
  async startServer(name: string): Promise<void> {
    const s = this.server(name);
    if (s.child !== undefined) return;
    const routes = this.servers
      .filter((o) => o !== s)
      .map((o) => `nats://127.0.0.1:${o.routePort}`)
      .join(",");
    const child = spawn(
      "nats-server",
      [
        ...["-a", "127.0.0.1", "-p", String(s.port), "-n", s.name, "-js", "-sd", s.storeDir],
        ...["--cluster_name", this.name, "--cluster", `nats://127.0.0.1:${s.routePort}`],
        ...["--routes", routes],
      ],
      { stdio: "ignore" },
    );
    s.child = child;
    child.once("exit", () => {
      if (s.child === child) s.child = undefined;
    });
    const until = Date.now() + 15_000;
    while (!(await reachable(s.port, "127.0.0.1", 200))) {
      if (s.child === undefined) throw new Error(`nats-server ${name} exited at start (is it installed?)`);
      if (Date.now() > until) throw new Error(`nats-server ${name} did not listen within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `signal` to one server (by its PID) and waits for its exit. */
  async stopServer(name: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const s = this.server(name);
    const child = s.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    s.child = undefined;
  }

  /**
   * Waits until the cluster's JetStream answers and places a stream on three servers (its meta
   * leader is elected a few seconds after the servers start, longer on a busy machine).
   */
  async waitForJetStream(timeoutMs = 30_000): Promise<void> {
    const nc = await connect({ servers: this.urls });
    const until = Date.now() + timeoutMs;
    try {
      for (;;) {
        try {
          const jsm = await jetstreamManager(nc, { timeout: 2000 });
          await jsm.streams.add({
            name: "CLUSTER_PROBE",
            subjects: ["cluster.probe"],
            num_replicas: this.servers.length,
          });
          await jsm.streams.delete("CLUSTER_PROBE");
          return;
        } catch (err) {
          if (Date.now() > until)
            throw new Error(`JetStream of cluster ${this.name} not ready within ${timeoutMs} ms`, {
              cause: err,
            });
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      await nc.close();
    }
  }

  /** Stops every server and removes the stores. */
  async dispose(): Promise<void> {
    await Promise.all(this.servers.map((s) => this.stopServer(s.name, "SIGTERM")));
    for (const s of this.servers) rmSync(s.storeDir, { recursive: true, force: true });
  }
}
