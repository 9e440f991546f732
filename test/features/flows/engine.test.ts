import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { flow, signal } from "../../../src/features/flows/index.js";
import { TesseraError } from "../../../src/index.js";
import { type Harness, harness, textService } from "./fixtures.js";

const text = textService();
const Message = z.object({ message: z.string() });

const processText = flow(
  "process-text",
  { input: Message, output: z.object({ message: z.string() }) },
  async (ctx, { message }) => {
    const upper = await ctx.call(text.entries.upper, { message });
    return ctx.call(text.entries.reverse, upper);
  },
);

const open: Harness[] = [];
const start = async (...args: Parameters<typeof harness>) => {
  const h = await harness(...args);
  open.push(h);
  return h;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});

describe("flow engine", () => {
  it("runs a flow over typed calls and journals every effect", async () => {
    const { engine } = await start([processText]);
    await expect(engine.execute(processText, { message: "hello" })).resolves.toEqual({ message: "OLLEH" });
    const [run] = await engine.store.listRuns({ flow: "process-text" });
    expect(run?.status).toBe("completed");
    const journal = await engine.store.journal(run!.id);
    expect(journal.map((e) => `${e.seq} ${e.kind} ${e.name} ${e.state}`)).toEqual([
      "1 call text.upper ok",
      "2 call text.reverse ok",
    ]);
  });

  it("refuses an input that fails the schema and creates no run", async () => {
    const { engine } = await start([processText]);
    const err = await engine.startRun(processText, { message: 5 } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_VALIDATION");
    expect(await engine.store.listRuns({})).toEqual([]);
  });

  it("gives back the same run for the same idempotency key", async () => {
    const { engine } = await start([processText]);
    const a = await engine.startRun(processText, { message: "a" }, { idempotencyKey: "k1" });
    const b = await engine.startRun(processText, { message: "b" }, { idempotencyKey: "k1" });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.run.id).toBe(a.run.id);
    expect((await engine.awaitRun(a.run.id)).output).toEqual({ message: "A" });
  });

  it("sleeps durably: the run is suspended in the store, then resumes", async () => {
    let after = 0;
    const napper = flow("napper", {}, async (ctx) => {
      await ctx.sleep(150);
      after++;
      return "rested";
    });
    const { engine } = await start([napper], { inlineSleepMs: 0 });
    const { run } = await engine.startRun(napper, undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect((await engine.store.getRun(run.id))?.status).toBe("sleeping");
    const end = await engine.awaitRun(run.id, 5000);
    expect(end.status).toBe("completed");
    expect(end.output).toBe("rested");
    expect(after).toBe(1);
  });

  it("waits for a signal, and times out when none comes", async () => {
    const approval = signal("approval", z.object({ ok: z.boolean() }));
    const approve = flow("approve", { signals: [approval] }, async (ctx) => {
      const a = await ctx.waitFor(approval, { timeout: "300ms" });
      return a === undefined ? "timed out" : a.ok ? "approved" : "rejected";
    });
    const { engine } = await start([approve], { inlineSleepMs: 0 });
    const one = await engine.startRun(approve, undefined);
    await new Promise((r) => setTimeout(r, 30));
    expect((await engine.store.getRun(one.run.id))?.status).toBe("waiting");
    await expect(engine.signal(one.run.id, approval, { ok: "yes" })).rejects.toMatchObject({
      code: "TESSERA_VALIDATION",
    });
    await engine.signal(one.run.id, approval, { ok: true });
    expect((await engine.awaitRun(one.run.id, 5000)).output).toBe("approved");
    const two = await engine.startRun(approve, undefined);
    expect((await engine.awaitRun(two.run.id, 5000)).output).toBe("timed out");
  });

  it("keeps a signal sent before the run waits for it", async () => {
    const go = signal("go");
    const early = flow("early", { signals: [go] }, async (ctx) => {
      await ctx.sleep(100);
      return ctx.waitFor(go);
    });
    const { engine } = await start([early], { inlineSleepMs: 0 });
    const { run } = await engine.startRun(early, undefined);
    await engine.signal(run.id, "go", { n: 1 });
    expect((await engine.awaitRun(run.id, 5000)).output).toEqual({ n: 1 });
  });

  it("branches on a call's outcome", async () => {
    const branching = flow("branching", {}, async (ctx) => {
      const ok = await ctx.tryCall(text.entries.upper, { message: "x" });
      const none = await ctx.tryCall(text.entries.nothing, { message: "x" });
      const client = await ctx.tryCall(text.entries.refuse, { message: "x" });
      const server = await ctx.tryCall(text.entries.crash, { message: "x" });
      return [ok.kind, none.kind, client.kind, server.kind];
    });
    const { engine } = await start([branching]);
    expect(await engine.execute(branching, undefined)).toEqual([
      "ok",
      "no-content",
      "client-error",
      "server-error",
    ]);
  });

  it("retries a step by its policy", async () => {
    let attempts = 0;
    const flaky = flow("flaky", {}, async (ctx) =>
      ctx.step(
        "flaky",
        () => {
          attempts++;
          if (attempts < 3) throw new Error("not yet");
          return attempts;
        },
        { retry: { attempts: 3, baseDelayMs: 1 } },
      ),
    );
    const { engine } = await start([flaky]);
    expect(await engine.execute(flaky, undefined)).toBe(3);
  });

  it("collects an async call later", async () => {
    const later = flow("later", {}, async (ctx) => {
      const started = ctx.callAsync(text.entries.upper, { message: "async" });
      const local = await ctx.step("meanwhile", () => "done");
      const { message } = await started.result();
      return `${local} ${message}`;
    });
    const { engine } = await start([later]);
    expect(await engine.execute(later, undefined)).toBe("done ASYNC");
  });
});

describe("flow engine: replay", () => {
  it("resumes a run on another engine without running completed effects again", async () => {
    const store = memoryFlowStore();
    const calls = new Map<string, number>();
    const counted = textService(calls);
    let steps = 0;
    let draws: unknown[] = [];
    const twoPhase = flow("two-phase", {}, async (ctx) => {
      const [a, b] = await Promise.all([
        ctx.call(counted.entries.upper, { message: "a" }),
        ctx.call(counted.entries.reverse, { message: "ab" }),
      ]);
      const id = ctx.uuid();
      const r = ctx.random();
      await ctx.step("side-effect", () => {
        steps++;
      });
      draws.push([id, r]);
      await ctx.sleep(200);
      return [a.message, b.message, id];
    });
    const first = await start([twoPhase], { store, workerId: "w1", inlineSleepMs: 0 }, calls);
    const { run } = await first.engine.startRun(twoPhase, undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect((await store.getRun(run.id))?.status).toBe("sleeping");
    await first.stop();
    const drawn = draws;
    draws = [];
    const second = await start([twoPhase], { store, workerId: "w2", inlineSleepMs: 0 }, calls);
    const end = await second.engine.awaitRun(run.id, 5000);
    expect(end.status).toBe("completed");
    expect(end.output).toEqual(["A", "ba", (drawn[0] as string[])[0]]);
    expect(draws).toEqual(drawn);
    expect(steps).toBe(1);
    expect(calls.get("upper")).toBe(1);
    expect(calls.get("reverse")).toBe(1);
  });

  it("sleeps until a date durably: another engine sharing the store wakes the run at that date", async () => {
    const store = memoryFlowStore();
    let before = 0;
    let after = 0;
    const alarm = flow("alarm", { input: z.object({ at: z.number() }) }, async (ctx, { at }) => {
      await ctx.step("before", () => {
        before++;
      });
      await ctx.sleepUntil(new Date(at));
      // A date already past does not suspend the run again.
      await ctx.sleepUntil(at - 60_000);
      await ctx.step("after", () => {
        after++;
      });
      return ctx.now();
    });
    const at = Date.now() + 1000;
    const first = await start([alarm], { store, workerId: "w1", inlineSleepMs: 0 });
    const { run } = await first.engine.startRun(alarm, { at });
    await expect.poll(async () => (await store.getRun(run.id))?.status, { timeout: 5000 }).toBe("sleeping");
    const suspended = await store.getRun(run.id);
    // The run sleeps in the store, due at the date itself (not in a timer of this process).
    expect(suspended).toMatchObject({ dueAt: at, owner: undefined });
    expect((await store.journal(run.id)).map((e) => [e.kind, e.value])).toEqual([
      ["step", undefined],
      ["sleep", at],
    ]);
    await first.stop();
    // Still asleep: what wakes it is the second engine, from the store alone.
    expect((await store.getRun(run.id))?.status).toBe("sleeping");
    const second = await start([alarm], { store, workerId: "w2", inlineSleepMs: 0 });
    const end = await second.engine.awaitRun(run.id, 5000);
    expect(end.status).toBe("completed");
    expect(end.output as number).toBeGreaterThanOrEqual(at);
    expect([before, after]).toEqual([1, 1]);
    expect((await store.journal(run.id)).map((e) => `${e.seq} ${e.kind} ${e.name}`)).toEqual([
      "1 step before",
      "2 sleep sleep",
      "3 sleep sleep",
      "4 step after",
      "5 now now",
    ]);
  });

  it("blocks a run whose code changed incompatibly, and retries it once declared compatible", async () => {
    const store = memoryFlowStore();
    const v1 = flow("evolving", { version: "1" }, async (ctx) => {
      await ctx.step("a", () => 1);
      await ctx.sleep(100);
      return "v1";
    });
    const first = await start([v1], { store, inlineSleepMs: 0 });
    const { run } = await first.engine.startRun(v1, undefined);
    await new Promise((r) => setTimeout(r, 30));
    await first.stop();
    const v2 = flow("evolving", { version: "2" }, async (ctx) => {
      await ctx.step("a", () => 1);
      await ctx.sleep(100);
      return "v2";
    });
    const second = await start([v2], { store, inlineSleepMs: 0 });
    await expect.poll(async () => (await store.getRun(run.id))?.status, { timeout: 5000 }).toBe("blocked");
    const blocked = await store.getRun(run.id);
    expect(blocked?.error).toMatchObject({
      code: "TESSERA_CONFLICT",
      details: { runVersion: "1", codeVersion: "2" },
    });
    await second.stop();
    const v3 = flow("evolving", { version: "3", compatibleWith: ["1"] }, async (ctx) => {
      await ctx.step("a", () => 1);
      await ctx.sleep(100);
      return "v3";
    });
    const third = await start([v3], { store, inlineSleepMs: 0 });
    await third.engine.retry(run.id);
    expect((await third.engine.awaitRun(run.id, 5000)).output).toBe("v3");
  });

  it("detects a journal that no longer matches the code", async () => {
    const store = memoryFlowStore();
    const before = flow("drift", { version: "x" }, async (ctx) => {
      await ctx.step("charge", () => 1);
      await ctx.sleep(100);
      return "before";
    });
    const first = await start([before], { store, inlineSleepMs: 0 });
    const { run } = await first.engine.startRun(before, undefined);
    await new Promise((r) => setTimeout(r, 30));
    await first.stop();
    const after = flow("drift", { version: "x" }, async (ctx) => {
      await ctx.step("refund", () => 1);
      return "after";
    });
    await start([after], { store, inlineSleepMs: 0 });
    await expect.poll(async () => (await store.getRun(run.id))?.status, { timeout: 5000 }).toBe("blocked");
    expect((await store.getRun(run.id))?.error?.message).toMatch(
      /step "refund" in the code but step "charge"/,
    );
  });
});
