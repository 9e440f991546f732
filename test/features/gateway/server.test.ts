import { spawn } from "node:child_process";
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

  it("SIGTERM drains and exits 0 (the example system in a child process)", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/text/main.ts"], {
      env: { ...process.env, PORT: "0", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no url in: ${out}`)), 15_000);
      child.stdout.on("data", () => {
        const m = /Tessera example system on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const res = await post(`${url}/pipeline/process`, { message: "hello world" });
    expect(await res.json()).toEqual({ message: "DLROW OLLEH", count: 1 });
    const code = await new Promise<number | null>((resolve) => {
      child.on("exit", resolve);
      child.kill("SIGTERM");
    });
    expect(code).toBe(0);
    expect(out).toContain("received SIGTERM");
    expect(out).toContain("node stopped");
  });
});
