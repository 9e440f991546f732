import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { sqliteFlowStore } from "../../../src/adapters/sqlite/index.js";
import { flow, signal } from "../../../src/features/flows/index.js";
import { TesseraError } from "../../../src/index.js";
import { type Harness, harness, textService } from "./fixtures.js";

// Issue 14, finding 2: parallel branches advance independently, a failing one cancels and awaits the
// others, every effect that started is journaled, and compensation covers every branch.

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});

const text = textService().entries;
const go = signal("go");

/** Polls `check` until it holds (no timing in the assertion itself). */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A booking that lasts `ms`; it stops early when its signal aborts if `honours`. */
function slowBooking(log: string[], ms: number, honours: boolean) {
  return (info: { signal?: AbortSignal }) =>
    new Promise<{ booking: string }>((resolve, reject) => {
      log.push("slow-start");
      const t = setTimeout(() => {
        log.push("slow-done");
        resolve({ booking: "slow" });
      }, ms);
      if (honours)
        info.signal?.addEventListener("abort", () => {
          clearTimeout(t);
          log.push("slow-aborted");
          reject(info.signal!.reason);
        });
    });
}

function sagaWithParallel(log: string[], honours: boolean) {
  return flow(`parallel-saga-${honours ? "honours" : "ignores"}`, {}, async (ctx) => {
    await ctx.step("first", () => void log.push("first"), { compensate: () => void log.push("undo-first") });
    await ctx.parallel([
      () =>
        ctx.step("slow", slowBooking(log, 300, honours), { compensate: () => void log.push("undo-slow") }),
      () =>
        ctx.step("refused", () => {
          throw new TesseraError("TESSERA_VALIDATION", "answered 400");
        }),
    ]);
    log.push("after-parallel");
  });
}

describe("ctx.parallel: a failing branch cleans up", () => {
  it("a slow sibling booking that honours its signal used to reach the service after the run ended compensated: it is aborted, journaled cancelled (and compensated: it may have landed), and the run ends after it", async () => {
    const log: string[] = [];
    const saga = sagaWithParallel(log, true);
    const h = await harness([saga]);
    open.push(h);
    const { run } = await h.engine.startRun(saga, undefined);
    const end = await h.engine.awaitRun(run.id, 10_000);
    expect(end.status).toBe("compensated");
    expect(end.error).toMatchObject({ code: "TESSERA_VALIDATION", message: "answered 400" });
    expect(log).toEqual(["first", "slow-start", "slow-aborted", "undo-slow", "undo-first"]);
    const journal = await h.engine.store.journal(run.id);
    const slow = journal.find((e) => e.name === "slow" && e.kind === "step")!;
    expect(slow).toMatchObject({
      state: "error",
      value: { code: "TESSERA_CANCELLED", details: { branch: "2.0", mayHaveLanded: true } },
      position: "2.0/1",
    });
    expect(journal.find((e) => e.kind === "parallel")).toMatchObject({
      state: "error",
      value: { code: "TESSERA_VALIDATION" },
    });
    await new Promise((r) => setTimeout(r, 400));
    expect(log).not.toContain("slow-done");
  });

  it("a slow sibling booking that ignores its signal used to complete after the run ended, never undone: the run awaits it, journals it and compensates it", async () => {
    const log: string[] = [];
    const saga = sagaWithParallel(log, false);
    const h = await harness([saga]);
    open.push(h);
    const { run } = await h.engine.startRun(saga, undefined);
    const end = await h.engine.awaitRun(run.id, 10_000);
    expect(end.status).toBe("compensated");
    expect(end.error).toMatchObject({ code: "TESSERA_VALIDATION" });
    expect(log).toEqual(["first", "slow-start", "slow-done", "undo-slow", "undo-first"]);
    const journal = await h.engine.store.journal(run.id);
    expect(journal.find((e) => e.name === "slow")).toMatchObject({ state: "ok" });
    expect(journal.filter((e) => e.kind === "compensate").map((e) => e.name)).toEqual(["slow", "first"]);
  });

  it("a sibling call used to run after the run had ended failed: once a branch fails, the other starts nothing new", async () => {
    const calls = new Map<string, number>();
    const f = flow("parallel-late-call", {}, async (ctx) => {
      await ctx.parallel([
        async () => {
          await ctx.step("pause", () => new Promise((r) => setTimeout(r, 150)));
          return ctx.call(text.upper, { message: "late" });
        },
        () => ctx.call(text.refuse, { message: "now" }),
      ]);
    });
    const h = await harness([f], {}, calls);
    open.push(h);
    const { run } = await h.engine.startRun(f, undefined);
    const end = await h.engine.awaitRun(run.id, 10_000);
    expect(end.status).toBe("failed");
    expect(end.error).toMatchObject({ code: "TESSERA_CONFLICT", message: "refused" });
    await new Promise((r) => setTimeout(r, 300));
    expect(calls.get("upper")).toBeUndefined();
    const journal = await h.engine.store.journal(run.id);
    // The step in flight was awaited and journaled (it completed); nothing after it started.
    expect(journal.map((e) => `${e.kind} ${e.name} ${e.state}`).sort()).toEqual([
      "call text.refuse error",
      "parallel parallel error",
      "step pause ok",
    ]);
  });
});

describe("ctx.parallel: branches advance independently", () => {
  it("a wait in one branch used to hold the other branch's calls: they run while it waits, and the run ends when the signal comes", async () => {
    const calls = new Map<string, number>();
    const f = flow("parallel-wait", { signals: [go] }, async (ctx) => {
      const [sig, a, b] = await ctx.parallel([
        () => ctx.waitFor(go),
        () => ctx.call(text.upper, { message: "a" }),
        async () => {
          const r = await ctx.call(text.reverse, { message: "ab" });
          return ctx.call(text.upper, r);
        },
      ]);
      return { sig, a, b };
    });
    const h = await harness([f], {}, calls);
    open.push(h);
    const { run } = await h.engine.startRun(f, undefined);
    await until(async () => (await h.engine.store.getRun(run.id))?.status === "waiting");
    expect(calls.get("upper")).toBe(2);
    expect(calls.get("reverse")).toBe(1);
    await h.engine.signal(run.id, go, { ok: 1 });
    const end = await h.engine.awaitRun(run.id, 10_000);
    expect(end).toMatchObject({
      status: "completed",
      output: { sig: { ok: 1 }, a: { message: "A" }, b: { message: "BA" } },
    });
    // The resumed execution replayed the branches from the journal: nothing ran twice.
    expect(calls.get("upper")).toBe(2);
    expect(calls.get("reverse")).toBe(1);
    const journal = await h.engine.store.journal(run.id);
    expect(journal.map((e) => `${e.position} ${e.kind} ${e.name} ${e.state}`)).toEqual([
      "1.0/1 wait go ok",
      "1.1/1 call text.upper ok",
      "1.2/1 call text.reverse ok",
      "1.2/2 call text.upper ok",
      "1 parallel parallel ok",
    ]);
  });

  it("branches replay by position whatever order they ran in: a resumed run takes each branch's effects back and runs only what is new", async () => {
    const ran: string[] = [];
    const note = <T>(name: string, value: T) => {
      ran.push(name);
      return value;
    };
    const f = flow("parallel-replay", { signals: [go] }, async (ctx) => {
      const [x, y] = await ctx.parallel([
        async () => {
          await ctx.waitFor(go);
          return ctx.step("x-after", () => note("x-after", "x"));
        },
        async () => {
          const a = await ctx.step("y1", () => note("y1", 1));
          const b = await ctx.step("y2", () => note("y2", 2));
          return a + b + ctx.random() * 0;
        },
      ]);
      return ctx.step("end", () => note("end", `${x}${y}`));
    });
    const store = memoryFlowStore();
    const h = await harness([f], { store });
    open.push(h);
    const { run } = await h.engine.startRun(f, undefined);
    await until(async () => (await store.getRun(run.id))?.status === "waiting");
    await h.engine.signal(run.id, go, undefined);
    const end = await h.engine.awaitRun(run.id, 10_000);
    expect(end).toMatchObject({ status: "completed", output: "x3" });
    expect(ran).toEqual(["y1", "y2", "x-after", "end"]);
    const journal = await store.journal(run.id);
    // seq: the order the effects were issued in; position: where each is in the code.
    expect(journal.map((e) => `${e.seq} ${e.position} ${e.kind} ${e.name}`)).toEqual([
      "1 1.0/1 wait go",
      "2 1.1/1 step y1",
      "3 1.1/2 step y2",
      "4 1.1/3 random random",
      "5 1.0/2 step x-after",
      "6 1 parallel parallel",
      "7 2 step end",
    ]);
  });
});

describe("journals of older versions", () => {
  it("an old journal, whose entries have no position, still replays (its positions are its seqs)", async () => {
    const db = new Database(":memory:");
    const store = sqliteFlowStore({ database: db });
    const ran: string[] = [];
    const f = flow("old-journal", { signals: [go] }, async (ctx) => {
      await ctx.step("a", () => void ran.push("a"));
      await ctx.waitFor(go);
      await ctx.step("b", () => void ran.push("b"));
      return "done";
    });
    const h = await harness([f], { store });
    open.push(h);
    const { run } = await h.engine.startRun(f, undefined);
    await until(async () => (await store.getRun(run.id))?.status === "waiting");
    const table = (
      db.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%journal'").get() as { name: string }
    ).name;
    db.prepare(`UPDATE ${table} SET position = NULL`).run();
    expect((await store.journal(run.id)).every((e) => e.position === undefined)).toBe(true);
    await h.engine.signal(run.id, go, undefined);
    expect(await h.engine.awaitRun(run.id, 10_000)).toMatchObject({ status: "completed", output: "done" });
    expect(ran).toEqual(["a", "b"]);
  });
});
