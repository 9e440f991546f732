// Issue 19, finding 2: a client that sent `content-length: 100` and then one byte a second still
// had its connection open after 45 s with no answer (the request deadline is 30 s; Node's own 300 s
// applied); slow headers likewise; 3,000 such connections were held for 22 s. Every request is now
// read within its deadline (and a body at 1 KiB/s at least after its first 3 s): past it the
// answer is 408 and the connection closes. The deadline here is 1.5 s, so that the tests are short;
// each asserts what the README promises, the answer within the deadline and 1 s more.
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { loadProject } from "../../../src/config/load-project.js";
import { serveOptions } from "../../../src/config/project-node.js";
import {
  createNode,
  entry,
  type RunningServer,
  type ServeOptions,
  serve,
  service,
  silentLogger,
} from "../../../src/index.js";
import { postHead, slowClient } from "../../support/slow-client.js";
import { captureLogger } from "./fixtures.js";

const deadline = 1500;
/** What the README promises: the answer (or the close) within the deadline and 1 s more. */
const bound = deadline + 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const echo = service("echo", {
  entries: {
    say: entry({ input: z.object({ m: z.string() }) }, ({ m }) => ({ m })),
    wait: entry({ input: z.object({ ms: z.number() }) }, async ({ ms }, ctx) => {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(t);
          resolve();
        });
      });
      return { waited: ms };
    }),
    getBig: entry(() => ({ text: "x".repeat(32 * 1024 * 1024) })),
  },
});

const slowAuth = service("guarded", {
  authorize: async () => {
    await sleep(4000);
    return true;
  },
  entries: { say: entry({ input: z.object({ m: z.string() }) }, ({ m }) => ({ m })) },
});

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: ServeOptions = {}, logger = silentLogger): Promise<RunningServer> {
  const node = createNode({ services: [echo, slowAuth], transport: memoryTransport(), logger });
  server = await serve(node, { port: 0, requestTimeout: deadline, ...options });
  return server;
}

const body = JSON.stringify({ m: "x".repeat(92) });

describe("slow clients (issue 19)", { timeout: 30_000 }, () => {
  it("a body sent one byte a second after content-length: 100 is answered 408 within the deadline, not held open", async () => {
    const s = await start();
    const r = await slowClient(s.port, { first: postHead("/echo/say", 100), drip: "x", everyMs: 1000 });
    expect(r.closed).toBe(true);
    expect(r.status).toBe(408);
    expect(JSON.parse(r.body)).toMatchObject({
      error: {
        code: "TESSERA_REQUEST_TIMEOUT",
        message: "the request was not received within its deadline of 1500 ms",
      },
    });
    expect(r.closedAfter).toBeLessThan(bound);
    // The node is not left with anything in flight, and answers the next client.
    expect((await fetch(`${s.url}/echo/say`, post({ m: "hi" }))).status).toBe(200);
  });

  it("headers sent one byte a second are answered 408 within the deadline", async () => {
    const s = await start();
    const r = await slowClient(s.port, { first: "POST /echo/say HTTP/1.1\r\n", drip: "x", everyMs: 1000 });
    expect(r.closed).toBe(true);
    expect(r.status).toBe(408);
    expect(JSON.parse(r.body)).toMatchObject({
      error: {
        code: "TESSERA_REQUEST_TIMEOUT",
        message: "the request's headers did not arrive within 1500 ms",
      },
    });
    expect(r.closedAfter).toBeLessThan(bound);
  });

  it("a connection that sends nothing is closed within the deadline", async () => {
    const s = await start();
    const r = await slowClient(s.port, { first: "" });
    expect(r.closed).toBe(true);
    expect(r.closedAfter).toBeLessThan(bound);
  });

  it("a body under 1 KiB a second is cut after its first 3 s, long before a long deadline", async () => {
    const s = await start({ requestTimeout: 20_000 });
    const r = await slowClient(s.port, { first: postHead("/echo/say", 100), drip: "x", everyMs: 500 });
    expect(r.status).toBe(408);
    expect(JSON.parse(r.body)).toMatchObject({
      error: {
        code: "TESSERA_REQUEST_TIMEOUT",
        message: expect.stringMatching(
          /^the body arrives slower than 1024 bytes a second \(\d+ bytes in \d+ ms\)$/,
        ),
      },
    });
    expect(r.closedAfter).toBeLessThan(3000 + 1000);
  });

  it("a body that arrives in parts at a fair pace is read (over the 3 s of grace too)", async () => {
    const s = await start({ requestTimeout: 20_000 });
    const text = JSON.stringify({ m: "y".repeat(16 * 1024) });
    const parts = 8;
    const size = Math.ceil(text.length / parts);
    const socket = connect(s.port, "127.0.0.1");
    let data = "";
    socket.setEncoding("utf8").on("data", (d: string) => (data += d));
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(postHead("/echo/say", Buffer.byteLength(text)));
    for (let i = 0; i < parts; i++) {
      socket.write(text.slice(i * size, (i + 1) * size));
      await sleep(500);
    }
    await expect.poll(() => data, { timeout: 5000 }).toMatch(/^HTTP\/1\.1 200/);
    socket.destroy();
  });

  it("on a kept-alive connection, each request has its own deadline", async () => {
    const s = await start();
    const socket = connect(s.port, "127.0.0.1");
    let data = "";
    socket.setEncoding("utf8").on("data", (d: string) => (data += d));
    // Never past 10 s, however the server behaves: the test fails rather than hangs.
    const closed = new Promise<number>((resolve) => {
      socket.once("close", () => resolve(Date.now()));
      setTimeout(() => resolve(Date.now()), 10_000);
    });
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(postHead("/echo/say", Buffer.byteLength(body)) + body);
    await expect.poll(() => data, { timeout: 5000 }).toMatch(/^HTTP\/1\.1 200/);
    // Idle for most of a deadline (less than the keep-alive timeout), then a slow second request.
    await sleep(1000);
    const t0 = Date.now();
    socket.write(postHead("/echo/say", 100));
    const drip = setInterval(() => socket.writable && socket.write("x"), 1000);
    const closedAt = await closed;
    clearInterval(drip);
    socket.destroy();
    expect(data).toMatch(/HTTP\/1\.1 408 Request Timeout/);
    expect(closedAt - t0).toBeLessThan(bound);
  });

  it("the time the body took is part of the deadline: the call gets what is left of it", async () => {
    const s = await start();
    const text = JSON.stringify({ ms: 10_000 });
    const socket = connect(s.port, "127.0.0.1");
    let data = "";
    socket.setEncoding("utf8").on("data", (d: string) => (data += d));
    await new Promise((resolve) => socket.once("connect", resolve));
    const t0 = Date.now();
    socket.write(postHead("/echo/wait", text.length) + text.slice(0, 4));
    await sleep(1200);
    socket.write(text.slice(4));
    await expect.poll(() => data, { timeout: 5000 }).toMatch(/^HTTP\/1\.1 504/);
    expect(Date.now() - t0).toBeLessThan(bound);
    socket.destroy();
  });

  it("a body nobody reads yet (a slow authorizer) is still answered 408 within the deadline", async () => {
    const { logger, lines } = captureLogger();
    const s = await start({ shutdownTimeout: 5000 }, logger);
    const r = await slowClient(s.port, {
      first: `${postHead("/guarded/say", 100).replace("\r\n\r\n", "\r\nauthorization: Bearer t\r\n\r\n")}{`,
      drip: "x",
      everyMs: 1000,
    });
    expect(r.status).toBe(408);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: "TESSERA_REQUEST_TIMEOUT" } });
    expect(r.closedAfter).toBeLessThan(bound);
    // The authorizer answers later, to a connection that is gone: nothing breaks, and the request
    // is not left in flight (a close would wait for it, then warn).
    await sleep(3000);
    expect((await fetch(`${s.url}/echo/say`, post({ m: "still here" }))).status).toBe(200);
    await s.close();
    server = undefined;
    expect(lines.filter((l) => l.level === "warn" || l.level === "error")).toEqual([]);
  });

  it("maxConnections caps the connections slow clients hold: the next is closed at once", async () => {
    const { logger, lines } = captureLogger();
    const s = await start({ maxConnections: 3 }, logger);
    const held = [0, 1, 2].map(() =>
      slowClient(s.port, { first: postHead("/echo/say", 100), drip: "x", everyMs: 1000 }),
    );
    await expect.poll(() => connections(s), { timeout: 5000 }).toBe(3);
    const refused = await slowClient(s.port, { first: "", capMs: 5000 });
    expect(refused).toMatchObject({ closed: true, status: undefined });
    expect(refused.closedAfter).toBeLessThan(deadline);
    expect(lines.filter((l) => l.level === "warn")).toMatchObject([
      { msg: "connections refused: 3 are open (maxConnections)", refused: 1 },
    ]);
    for (const r of await Promise.all(held)) {
      expect(r.status).toBe(408);
      expect(r.closedAfter).toBeLessThan(bound);
    }
    expect((await fetch(`${s.url}/echo/say`, post({ m: "after" }))).status).toBe(200);
  });

  it("a response the client does not read is dropped once it stops moving", async () => {
    const s = await start();
    const socket = connect(s.port, "127.0.0.1");
    socket.on("error", () => undefined);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("GET /echo/big HTTP/1.1\r\nhost: test\r\n\r\n");
    socket.pause();
    await expect.poll(() => connections(s), { timeout: 2000 }).toBe(1);
    // Dropped 1 to 2 s after the answer stalls (the answer itself takes a moment to build).
    await expect.poll(() => connections(s), { timeout: bound + 2000, interval: 100 }).toBe(0);
    socket.destroy();
  });

  it("a client that reads a large answer slowly but steadily gets all of it", async () => {
    const s = await start();
    const socket = connect(s.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("GET /echo/big HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n");
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      // About 8 MB a second: the whole answer takes a few seconds, every one of them with progress.
      socket.pause();
      setTimeout(() => socket.resume(), Math.ceil(chunk.length / 8192));
    });
    await new Promise((resolve) => socket.once("close", resolve));
    expect(received).toBeGreaterThan(32 * 1024 * 1024);
  });
});

describe("the bounds' settings", () => {
  it("come from the project file's gateway settings", async () => {
    const configFile = fileURLToPath(
      new URL("../../cli/bounded-project/tesserae.config.ts", import.meta.url),
    );
    const project = await loadProject({ config: configFile, store: "memory", processEnv: {} });
    expect(serveOptions(project)).toMatchObject({ requestTimeout: 1500, maxConnections: 500 });
  });

  it("a maxConnections that is not a count is refused, naming the option", async () => {
    const node = createNode({ services: [echo], transport: memoryTransport(), logger: silentLogger });
    await expect(serve(node, { port: 0, maxConnections: -1 })).rejects.toMatchObject({
      code: "TESSERA_DEFINITION",
      details: { name: "serve.maxConnections" },
    });
  });
});

function post(input: unknown): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) };
}

function connections(s: RunningServer): Promise<number> {
  return new Promise((resolve, reject) =>
    s.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}
