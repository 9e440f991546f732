import { spawn } from "node:child_process";
import { once } from "node:events";
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { createNode, entry, type RunningServer, serve, service, silentLogger } from "../../../src/index.js";

let started = 0;
let finished = 0;
let aborted = 0;

/** Resolves once `count()` reaches `n` (a handler has started, say), however slow the machine. */
async function until(count: () => number, n: number): Promise<void> {
  for (let i = 0; i < 500 && count() < n; i++) await new Promise((r) => setTimeout(r, 10));
}
const slow = service("slow", {
  entries: {
    wait: entry({ input: z.object({ ms: z.number() }) }, async ({ ms }, ctx) => {
      started++;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(t);
          aborted++;
          resolve();
        });
      });
      finished++;
      return { done: true };
    }),
    getFast: entry(() => ({ fast: true })),
  },
});

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options = {}) {
  const node = createNode({ services: [slow], transport: memoryTransport(), logger: silentLogger });
  server = await serve(node, { port: 0, ...options });
  return { node, server };
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("serve (node:http)", () => {
  it("answers /health and /ready with the transport state", async () => {
    const { server } = await start();
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ready: true,
      checks: { node: "running", transport: { kind: "memory", connected: true } },
    });
  });

  it("/ready answers 503 once the transport is disconnected, though the node still runs", async () => {
    const transport = memoryTransport();
    const node = createNode({ services: [slow], transport, logger: silentLogger });
    server = await serve(node, { port: 0 });
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    await transport.close();
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      ready: false,
      checks: { node: "running", transport: { kind: "memory", connected: false } },
    });
    // Liveness is not readiness: the process is alive.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it("/ready answers 503 while the node is not running", async () => {
    const node = createNode({ services: [slow], transport: memoryTransport(), logger: silentLogger });
    server = await serve(node, { port: 0 });
    await node.stop();
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, checks: { node: "stopped" } });
  });

  it("a known path with the wrong verb → 405 with Allow and the error code, over HTTP", async () => {
    const { server: s } = await start();
    const res = await fetch(`${s.url}/slow/wait`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: '{"ms":1}',
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("OPTIONS, POST");
    expect(await res.json()).toMatchObject({
      error: { code: "TESSERA_METHOD_NOT_ALLOWED", message: "PUT is not allowed on /slow/wait" },
    });
    const builtin = await fetch(`${s.url}/health`, { method: "POST" });
    expect(builtin.status).toBe(405);
    expect(builtin.headers.get("allow")).toBe("GET, HEAD");
  });

  it("graceful close: stops accepting, lets in-flight requests finish, then stops the node", async () => {
    const { node, server: s } = await start();
    const before = finished;
    const startedBefore = started;
    const inflight = post(`${s.url}/slow/wait`, { ms: 300 });
    await until(() => started, startedBefore + 1);
    const closing = s.close();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
    server = undefined;
    expect(finished).toBe(before + 1);
    expect(node.status).toBe("stopped");
    await expect(fetch(`${s.url}/slow/fast`)).rejects.toThrow();
  });

  it("a close bounded by shutdownTimeout does not wait for a stuck request", async () => {
    const { server: s } = await start({ shutdownTimeout: 100 });
    const startedBefore = started;
    const stuck = post(`${s.url}/slow/wait`, { ms: 10_000 }).catch(() => "cut");
    await until(() => started, startedBefore + 1);
    const t0 = Date.now();
    await s.close();
    server = undefined;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await stuck).toBe("cut");
  });

  it("a client that disconnects mid-request aborts the handler's signal and leaves the node healthy", async () => {
    const { node, server: s } = await start();
    const abortedBefore = aborted;
    const startedBefore = started;
    const req = request(`${s.url}/slow/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    req.on("error", () => undefined);
    req.end(JSON.stringify({ ms: 5000 }));
    await until(() => started, startedBefore + 1);
    req.destroy();
    await until(() => aborted, abortedBefore + 1);
    for (let i = 0; i < 200 && node.pending > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(aborted).toBe(abortedBefore + 1);
    expect(node.pending).toBe(0);
    expect((await fetch(`${s.url}/slow/fast`)).status).toBe(200);
  });

  it("a client that disconnects while sending its body leaves nothing behind", async () => {
    const { node, server: s } = await start();
    await new Promise<void>((resolve) => {
      const req = request(`${s.url}/slow/wait`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": "1000" },
      });
      req.on("error", () => resolve());
      req.write('{"ms":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    for (let i = 0; i < 200 && node.pending > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(node.pending).toBe(0);
    expect((await fetch(`${s.url}/slow/fast`)).status).toBe(200);
  });

  it("a port in use is a clear error", async () => {
    const { server: s } = await start();
    const other = createNode({ services: [slow], transport: memoryTransport(), logger: silentLogger });
    await expect(serve(other, { port: s.port })).rejects.toThrow(/port is in use/);
    expect(other.status).toBe("stopped");
  });

  it("handleSignals: SIGTERM lets the request in flight finish, then exits 0", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/features/gateway/signal-node.ts"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = once(child, "exit");
    let out = "";
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not READY: ${out}${err}`)), 15_000);
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
          out += d;
          const m = /READY (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const inflight = post(`${url}/slow/wait`, { ms: 500 });
      await until(() => (out.includes("STARTED") ? 1 : 0), 1);
      child.kill("SIGTERM");
      const res = await inflight;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ done: true });
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(err).toContain("received SIGTERM");
      expect(err).toMatch(/"msg":"shutting down: no new connections, draining requests"[^\n]*"inFlight":1/);
      expect(err).toContain("node stopped");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});
