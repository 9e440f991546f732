import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { createLogger } from "../../../src/core/logger.js";
import { CALLBACK_FLOW } from "../../../src/features/flows/callback.js";
import { flow } from "../../../src/features/flows/index.js";
import type { RunRecord } from "../../../src/ports/flow-store.js";
import { type Harness, harness } from "./fixtures.js";

const quick = flow("quick", {}, async (ctx) => ctx.step("work", () => 42));

/** A callback receiver: answers each POST with the next status of `answers` (the last one after). */
let answers: number[] = [];
const received: { runId: string; status: string }[] = [];
let server: Server;
let url = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      received.push(JSON.parse(raw));
      const status = answers.length > 1 ? answers.shift()! : answers[0]!;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/done`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
  received.length = 0;
});

async function start(options: Parameters<typeof harness>[1]) {
  const h = await harness([quick], { inlineSleepMs: 0, ...options });
  open.push(h);
  return h;
}

/** The delivery run of a run's callback, once its end journaled it. */
async function deliveryOf(h: Harness, runId: string): Promise<string> {
  await expect
    .poll(async () => (await h.engine.store.journal(runId)).find((e) => e.seq === 0)?.value, {
      timeout: 10_000,
    })
    .toMatchObject({ delivery: expect.any(String) });
  const entry = (await h.engine.store.journal(runId)).find((e) => e.seq === 0)!;
  return (entry.value as { delivery: string }).delivery;
}

async function ended(h: Harness, id: string): Promise<RunRecord> {
  await expect
    .poll(async () => (await h.engine.store.getRun(id))?.status, { timeout: 20_000 })
    .toMatch(/^(completed|failed)$/);
  return (await h.engine.store.getRun(id))!;
}

const attempts = async (h: Harness, id: string) =>
  (await h.engine.store.journal(id))
    .filter((e) => e.kind === "step" && e.name.startsWith("attempt "))
    .map((e) => [e.name, (e.value as { ok: boolean }).ok]);

describe("run callbacks are delivered durably (issue 14)", () => {
  it("a failed callback used to get three tries within half a second, then be dropped", async () => {
    answers = [503, 503, 503, 503, 204];
    const h = await start({ callbacks: { attempts: 6, delayMs: 100, factor: 2 } });
    const { run } = await h.engine.startRun(quick, undefined as never, { callbackUrl: url });
    const delivery = await deliveryOf(h, run.id);
    const end = await ended(h, delivery);
    expect(end).toMatchObject({
      flow: CALLBACK_FLOW,
      status: "completed",
      output: { delivered: true, attempts: 5 },
    });
    expect(received).toHaveLength(5);
    expect(received.every((b) => b.runId === run.id && b.status === "completed")).toBe(true);
    // Each attempt is journaled with its outcome, and a durable sleep between them.
    expect(await attempts(h, delivery)).toEqual([
      ["attempt 1", false],
      ["attempt 2", false],
      ["attempt 3", false],
      ["attempt 4", false],
      ["attempt 5", true],
    ]);
    const sleeps = (await h.engine.store.journal(delivery)).filter((e) => e.kind === "sleep");
    expect(sleeps).toHaveLength(4);
    // The delivery flow is the engine's own: not listed, not startable over its API.
    expect(h.engine.definitions.map((f) => f.name)).toEqual(["quick"]);
    expect(() => h.engine.flow(CALLBACK_FLOW)).toThrow(/no flow/);
  });

  it("a callback that keeps failing is tried exactly its policy's attempts, then recorded failed and logged", async () => {
    answers = [500];
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", format: "json", write: (line) => lines.push(line) });
    const h = await start({ callbacks: { attempts: 3, delayMs: 50, factor: 1 }, logger });
    const { run } = await h.engine.startRun(quick, undefined as never, { callbackUrl: url });
    const delivery = await deliveryOf(h, run.id);
    const end = await ended(h, delivery);
    expect(end.status).toBe("failed");
    expect(end.error).toMatchObject({
      code: "TESSERA_UNAVAILABLE",
      message: `the callback of run ${run.id} to ${url} failed: callback ${url} answered 500`,
      details: { runId: run.id, url },
    });
    expect(received).toHaveLength(3);
    expect((await attempts(h, delivery)).map(([, ok]) => ok)).toEqual([false, false, false]);
    const warned = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warned).toContainEqual(
      expect.objectContaining({ msg: "run callback failed", runId: run.id, url }),
    );
  });

  it("a callback URL's secret (a token in its query) was printed in the log and the run's error", async () => {
    answers = [500];
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", format: "json", write: (line) => lines.push(line) });
    const h = await start({ callbacks: { attempts: 1, delayMs: 50, factor: 1 }, logger });
    const secretUrl = `${url}?token=s3cret-token`;
    const { run } = await h.engine.startRun(quick, undefined as never, { callbackUrl: secretUrl });
    const end = await ended(h, await deliveryOf(h, run.id));
    expect(end.status).toBe("failed");
    expect(received).toHaveLength(1);
    expect(JSON.stringify(end.error)).not.toContain("s3cret");
    expect(lines.join("\n")).toContain("run callback failed");
    expect(lines.join("\n")).not.toContain("s3cret");
  });

  it("a receiver's refusal (4xx) is not tried again", async () => {
    answers = [400];
    const h = await start({ callbacks: { attempts: 5, delayMs: 50, factor: 1 } });
    const { run } = await h.engine.startRun(quick, undefined as never, { callbackUrl: url });
    const end = await ended(h, await deliveryOf(h, run.id));
    expect(end.status).toBe("failed");
    expect(received).toHaveLength(1);
  });

  it("the attempts of a callback survive a restart: the next worker goes on with the next attempt", async () => {
    answers = [503, 204];
    const store = memoryFlowStore();
    // A long delay: the delivery run sleeps in the store between its attempts.
    const first = await start({
      store,
      workerId: "w1",
      callbacks: { attempts: 3, delayMs: 1500, factor: 1 },
    });
    const { run } = await first.engine.startRun(quick, undefined as never, { callbackUrl: url });
    const delivery = await deliveryOf(first, run.id);
    await expect
      .poll(async () => (await store.getRun(delivery))?.status, { timeout: 10_000 })
      .toBe("sleeping");
    expect((await store.getRun(delivery))?.dueAt).toEqual(expect.any(Number));
    expect(received).toHaveLength(1);
    await first.stop();
    open.splice(open.indexOf(first), 1);
    const second = await start({
      store,
      workerId: "w2",
      callbacks: { attempts: 3, delayMs: 1500, factor: 1 },
    });
    const end = await ended(second, delivery);
    expect(end).toMatchObject({ status: "completed", output: { attempts: 2 } });
    expect(received).toHaveLength(2);
    expect(await attempts(second, delivery)).toEqual([
      ["attempt 1", false],
      ["attempt 2", true],
    ]);
  });
});
