import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { killAll, startProcess } from "../support/processes.js";

// A declared flow over three real HTTP services started here; the engine's process is killed
// (SIGKILL) mid-run and started again: the run completes, each service called once per step.

vi.setConfig({ testTimeout: 90_000 });
const dir = mkdtempSync(join(tmpdir(), "tesserae-declared-crash-"));
afterEach(killAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A little HTTP service that counts its requests and applies its effect once per idempotency key. */
class Service {
  readonly requests: string[] = [];
  readonly effects: string[] = [];
  private server: Server | undefined;
  /** Set to hold the next request until released (the engine dies meanwhile). */
  hold: { arrived: () => void; release: Promise<void> } | undefined;

  constructor(private readonly apply: (message: string) => Record<string, unknown>) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", async () => {
        const key = String(req.headers["idempotency-key"]);
        this.requests.push(key);
        const hold = this.hold;
        this.hold = undefined;
        if (hold !== undefined) {
          hold.arrived();
          await hold.release;
        }
        if (!this.effects.includes(key)) this.effects.push(key);
        const { message } = JSON.parse(body) as { message: string };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(this.apply(message)));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((r) => (this.server === undefined ? r() : this.server.close(() => r())));
  }
}

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function until(
  url: string,
  done: (b: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const body = (await (await fetch(url)).json()) as Record<string, unknown>;
    if (done(body)) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not get there in time`);
}

describe("declared flow crash recovery (sqlite)", () => {
  const field = [{ name: "message", type: "string" }];
  let services: Service[] = [];
  afterEach(async () => {
    for (const s of services) await s.stop();
    services = [];
  });

  async function setup(n: number, steps: unknown[]) {
    const upper = new Service((m) => ({ message: m.toUpperCase() }));
    const reverse = new Service((m) => ({ message: [...m].reverse().join("") }));
    const spaces = new Service((m) => ({ count: m.split(" ").length - 1 }));
    services = [upper, reverse, spaces];
    const env = { DB: join(dir, `flows-${n}.db`), WORKER_ID: `declared-${n}` };
    const first = await startProcess("declared-worker.ts", env);
    const url = first.ready.url!;
    for (const [name, svc, outputs] of [
      ["upper", upper, field],
      ["reverse", reverse, field],
      ["spaces", spaces, [{ name: "count", type: "int" }]],
    ] as const) {
      const r = await post(`${url}/s`, { name, address: await svc.start(), inputs: field, outputs });
      expect(r.status).toBe(201);
    }
    const w = await post(`${url}/declared/flows`, { name: "text", inputs: field, steps });
    expect(w.status).toBe(201);
    return { env, first, url, upper, reverse, spaces };
  }

  it("SIGKILL while a service is answering: after a restart the run completes; the interrupted call is repeated with its idempotency key", async () => {
    const { env, first, url, upper, reverse, spaces } = await setup(1, ["upper", "reverse", "spaces"]);
    let arrived!: () => void;
    const inFlight = new Promise<void>((r) => {
      arrived = r;
    });
    let release!: () => void;
    reverse.hold = { arrived, release: new Promise<void>((r) => (release = r)) };
    const e = await post(`${url}/declared/flows/text/events`, {
      data: { message: "the sun will rise" },
      mode: "async",
    });
    expect(e.status).toBe(202);
    const eventId = e.body.eventId as string;
    await inFlight;
    await first.kill("SIGKILL");
    release();
    const second = await startProcess("declared-worker.ts", env);
    const end = await until(
      `${second.ready.url}/declared/events/${eventId}`,
      (b) => b.status === "completed",
    );
    expect(end).toMatchObject({
      eventId,
      flow: "text",
      version: "1",
      status: "completed",
      output: { message: "ESIR LLIW NUS EHT", count: 3 },
    });
    expect(upper.requests).toEqual([`${eventId}:2`]);
    // The call in flight when the engine died is sent again with the same key: its effect lands once.
    expect(reverse.requests).toEqual([`${eventId}:3`, `${eventId}:3`]);
    expect(reverse.effects).toEqual([`${eventId}:3`]);
    expect(spaces.requests).toEqual([`${eventId}:4`]);
  });

  it("SIGKILL between steps (a durable wait): after a restart each service is called exactly once", async () => {
    const { env, first, url, upper, reverse, spaces } = await setup(2, [
      "upper",
      { id: "pause", type: "wait", duration: "1500ms" },
      "reverse",
      "spaces",
    ]);
    const e = await post(`${url}/declared/flows/text/events`, { data: { message: "a b c" }, mode: "async" });
    const eventId = e.body.eventId as string;
    await until(`${url}/declared/events/${eventId}`, (b) => b.status === "sleeping");
    await first.kill("SIGKILL");
    const second = await startProcess("declared-worker.ts", env);
    const end = await until(
      `${second.ready.url}/declared/events/${eventId}`,
      (b) => b.status === "completed",
    );
    expect(end.output).toEqual({ message: "C B A", count: 2 });
    expect([upper.requests, reverse.requests, spaces.requests].map((r) => r.length)).toEqual([1, 1, 1]);
  });
});
