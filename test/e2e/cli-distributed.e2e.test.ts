// The example project spread over three `tesserae start` processes on a private nats-server, as
// the README shows: `text` on one node, `pipeline` on another, a gateway node running none. The
// CLI runs from source (the packed CLI is tested by test/cli/cli.e2e.test.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RegisteredNode } from "../../src/features/discovery/index.js";
import type { Topology } from "../../src/index.js";
import { PrivateNatsServer } from "../support/nats-server.js";
import { natsServerInstalled } from "../support/servers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const children = new Set<ChildProcess>();

/** The environment of a child: none of the settings this machine may have. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", LOG_LEVEL: "warn" };
  for (const key of Object.keys(env)) if (/^(PORT|TESSERA_.*)$/.test(key)) delete env[key];
  return env;
}

/** `tesserae <args>` from source on the example project. */
function tesserae(args: readonly string[]) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", ...args, "--config", "examples/text/tesserae.config.ts"],
    { cwd: root, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exit = once(child, "close").then(([code]) => {
    children.delete(child);
    return { code: code as number | null, stdout, stderr };
  });
  return { child, exit, output: () => `${stdout}\n${stderr}` };
}

/** Starts a node running `services` and resolves with its URL once it listens. */
async function startNode(nats: string, services: string) {
  const node = tesserae([
    "start",
    "--transport",
    nats,
    "--store",
    "memory",
    "--services",
    services,
    "--port",
    "0",
  ]);
  const url = await vi.waitFor(
    () => {
      if (node.child.exitCode !== null) throw new Error(`tesserae start exited:\n${node.output()}`);
      const m = /listening on (http:\/\/\S+)/.exec(node.output());
      if (m === null) throw new Error(`not listening yet:\n${node.output()}`);
      return m[1]!;
    },
    { timeout: 60_000, interval: 50 },
  );
  return { ...node, url };
}

const servicesOf = (nodes: readonly RegisteredNode[]) =>
  nodes.map((n) => n.services.map((s) => s.name).join(",")).sort();

describe.runIf(await natsServerInstalled())("tesserae start --services on NATS, tesserae nodes", () => {
  let broker: PrivateNatsServer;
  beforeAll(async () => {
    broker = await PrivateNatsServer.start();
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await broker?.dispose();
  });

  it("serves the pipeline through a gateway node, the services on two other nodes", {
    timeout: 120_000,
  }, async () => {
    const t0 = performance.now();
    const [text, pipeline, gateway] = await Promise.all([
      startNode(broker.url, "text"),
      startNode(broker.url, "pipeline"),
      startNode(broker.url, "none"),
    ]);
    const started = performance.now();
    expect(gateway.output()).toContain("runs no service (gateway)");

    // The gateway routes once discovery has told it where the services run.
    await vi.waitFor(
      async () => {
        const topology = (await (await fetch(`${gateway.url}/registry`)).json()) as Topology;
        expect(servicesOf(topology.nodes)).toEqual(["pipeline", "text"]);
      },
      { timeout: 10_000, interval: 100 },
    );
    const res = await fetch(`${gateway.url}/pipeline/process`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      },
      body: JSON.stringify({ message: "hello world" }),
    });
    expect(await res.json()).toEqual({ message: "DLROW OLLEH", count: 1 });
    expect(res.status).toBe(200);
    // Validation happens where the entry runs; its 400 comes back through both hops.
    const bad = await fetch(`${gateway.url}/pipeline/process`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: 5 }),
    });
    expect(bad.status).toBe(400);

    // `tesserae nodes` lists the three from the transport, without joining them.
    const listed = await tesserae(["nodes", "--transport", broker.url]).exit;
    expect(listed.code, listed.stderr).toBe(0);
    const [header, ...rows] = listed.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^NODE\s+HOST\s+PID\s+VERSION\s+STAGE\s+SERVICES\s+READY\s+LOAD\s+LAST SEEN$/);
    const cells = rows.map((row) => row.split(/\s{2,}/));
    expect(cells.map((c) => c[5]).sort()).toEqual(["none (gateway)", "pipeline", "text"]);
    expect(cells.map((c) => Number(c[2])).sort()).toEqual(
      [text, pipeline, gateway].map((n) => n.child.pid).sort(),
    );
    expect(cells.map((c) => c[6])).toEqual(["yes", "yes", "yes"]);
    expect(listed.stderr).toBe(`3 nodes on ${broker.url}\n`);

    // A graceful stop of each: SIGTERM, exit 0.
    const exits = await Promise.all(
      [gateway, pipeline, text].map((n) => {
        n.child.kill("SIGTERM");
        return n.exit;
      }),
    );
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    console.log(
      `three nodes listening in ${Math.round(started - t0)} ms, whole test ${Math.round(performance.now() - t0)} ms`,
    );
  });
});
