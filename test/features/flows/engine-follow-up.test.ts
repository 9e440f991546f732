import { afterEach, describe, expect, it } from "vitest";
import { flow, signal } from "../../../src/features/flows/index.js";
import type { JournalEntry } from "../../../src/ports/flow-store.js";
import { type Harness, harness } from "./fixtures.js";

// Issue 14 follow-up (the outside user's findings 1, 2, 3 and 5): a run past its budget abandons its
// code; a branch's completed effect is durable at once; a branch's long sleep or deadline is not held
// by a sibling's call; an effect cut short by its branch's cancellation is compensated.

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});
const start = async (...args: Parameters<typeof harness>) => {
  const h = await harness(...args);
  open.push(h);
  return h;
};

/** Polls `check` until it holds (no timing in the assertion itself). */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A promise the test settles: the slow sibling stays in flight until `release()`. */
function gate() {
  let release: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    release = r;
  });
  return { promise, release };
}

const entry = (journal: readonly JournalEntry[], name: string) =>
  journal.find((e) => e.name === name && e.kind !== "compensate");
const go = signal("go");

describe("finding 1: a run past its budget is over", () => {
  it("code that caught the budget error and drew a value before its next effect froze the node (ctx.now kept throwing synchronously): the run ends failed and every later async ctx call never settles", async () => {
    const caught: string[] = [];
    const settled: string[] = [];
    const drawn: unknown[] = [];
    const note = (name: string, p: Promise<unknown>) =>
      void p.then(
        () => settled.push(name),
        () => settled.push(`${name} rejected`),
      );
    const stubborn = flow(
      "caught-budget",
      { signals: [go], budget: { stepsPerActivation: 40 } },
      async (ctx) => {
        for (;;) {
          try {
            drawn.push(ctx.now(), ctx.random(), ctx.uuid());
            await ctx.step("again", () => 1);
          } catch (err) {
            caught.push((err as { code?: string }).code ?? String(err));
            note("sleep", ctx.sleep(5));
            note("waitFor", ctx.waitFor(go, { timeout: 5 }));
            note("parallel", ctx.parallel([() => 1]));
            note(
              "step",
              ctx.step("probe", () => 1),
            );
          }
        }
      },
    );
    const { engine } = await start([stubborn]);
    const { run } = await engine.startRun(stubborn, undefined);
    expect(await engine.awaitRun(run.id, 20_000)).toMatchObject({
      status: "failed",
      error: { code: "TESSERA_FLOW_BUDGET", details: { stepsPerActivation: 40 } },
    });
    await new Promise((r) => setTimeout(r, 100));
    // One throw (where it went past), then the loop stopped at its next effect.
    expect(caught).toEqual(["TESSERA_FLOW_BUDGET"]);
    expect(settled).toEqual([]);
    expect(drawn.length % 3).toBe(0);
    const journal = await engine.store.journal(run.id);
    expect(journal.some((e) => e.name === "probe")).toBe(false);
    expect(journal.filter((e) => e.seq > 0)).toHaveLength(40);
  });
});

describe("finding 2: a branch's completed effect is durable at once", () => {
  it("a quick step done while its slow sibling ran stayed pending in the store until the sibling ended (run again after kill -9): it is journaled ok at once", async () => {
    const slow = gate();
    const f = flow("par-durable", {}, async (ctx) => {
      await ctx.parallel([() => ctx.step("slow", () => slow.promise), () => ctx.step("quick", () => "q")]);
    });
    const { engine } = await start([f]);
    const { run } = await engine.startRun(f, undefined);
    try {
      await until(async () => entry(await engine.store.journal(run.id), "quick")?.state === "ok");
      expect(entry(await engine.store.journal(run.id), "slow")?.state).toBe("pending");
    } finally {
      slow.release();
    }
    expect(await engine.awaitRun(run.id, 10_000)).toMatchObject({ status: "completed" });
  });

  it("q1 journaled ok but q2 stayed pending while the branch slept and its sibling ran: q2 and the sleep are durable at once", async () => {
    const slow = gate();
    const f = flow("par-durable-sleep", {}, async (ctx) => {
      await ctx.parallel([
        () => ctx.step("slow", () => slow.promise),
        async () => {
          await ctx.step("q1", () => 1);
          await ctx.step("q2", () => 2);
          await ctx.sleep(60_000);
        },
      ]);
    });
    const { engine } = await start([f], { inlineSleepMs: 10 });
    const { run } = await engine.startRun(f, undefined);
    try {
      await until(async () => {
        const journal = await engine.store.journal(run.id);
        return entry(journal, "q2")?.state === "ok" && entry(journal, "sleep") !== undefined;
      });
      expect(entry(await engine.store.journal(run.id), "slow")?.state).toBe("pending");
    } finally {
      slow.release();
    }
    await until(async () => (await engine.store.getRun(run.id))?.status === "sleeping");
  });
});

describe("finding 3: a branch's long sleep or deadline is not held by a sibling's call", () => {
  it("q3 after a sleep longer than inlineSleepMs ran only when the sibling's long step ended: it runs on the sleep's due time, while the sibling is in flight", async () => {
    const slow = gate();
    const log: string[] = [];
    const f = flow("par-sleep-free", {}, async (ctx) => {
      await ctx.parallel([
        async () => {
          await ctx.step("slow", () => slow.promise);
          log.push("slow-done");
        },
        async () => {
          await ctx.step("q1", () => log.push("q1"));
          await ctx.step("q2", () => log.push("q2"));
          await ctx.sleep(300);
          await ctx.step("q3", () => log.push("q3"));
        },
      ]);
    });
    const { engine } = await start([f], { inlineSleepMs: 20 });
    const { run } = await engine.startRun(f, undefined);
    try {
      await until(() => log.includes("q3"));
    } finally {
      slow.release();
    }
    expect(await engine.awaitRun(run.id, 10_000)).toMatchObject({ status: "completed" });
    expect(log).toEqual(["q1", "q2", "q3", "slow-done"]);
  });

  it("a wait's deadline in a branch was held by the sibling's call: the wait times out on time and the branch goes on", async () => {
    const slow = gate();
    const log: string[] = [];
    const f = flow("par-deadline-free", { signals: [go] }, async (ctx) => {
      await ctx.parallel([
        async () => {
          await ctx.step("slow", () => slow.promise);
          log.push("slow-done");
        },
        async () => {
          const payload = await ctx.waitFor(go, { timeout: 300 });
          await ctx.step("after", () => log.push(`after ${payload === undefined ? "timeout" : "signal"}`));
        },
      ]);
    });
    const { engine } = await start([f], { inlineSleepMs: 20 });
    const { run } = await engine.startRun(f, undefined);
    try {
      await until(() => log.includes("after timeout"));
    } finally {
      slow.release();
    }
    expect(await engine.awaitRun(run.id, 10_000)).toMatchObject({ status: "completed" });
    expect(log).toEqual(["after timeout", "slow-done"]);
    const wait = (await engine.store.journal(run.id)).find((e) => e.kind === "wait");
    expect(wait).toMatchObject({ state: "ok", value: { timedOut: true } });
  });
});

describe("finding 5: an effect cut short by its branch's cancellation may have landed", () => {
  it("a booking whose caller was aborted but whose service completed it anyway was never undone: it is compensated, with undefined as its result", async () => {
    const log: string[] = [];
    const undone: unknown[] = [];
    const f = flow("par-cut-short", {}, async (ctx) => {
      await ctx.step("first", () => void log.push("first"), {
        compensate: () => void log.push("undo-first"),
      });
      await ctx.parallel([
        () =>
          ctx.step(
            "slowbook",
            (info) =>
              new Promise((_resolve, reject) => {
                // The service books anyway; only its caller stops waiting (like fetch on abort).
                setTimeout(() => log.push("booked"), 150);
                info.signal?.addEventListener("abort", () => reject(info.signal!.reason));
              }),
            {
              compensate: (result) => {
                undone.push(result);
                log.push("undo-slowbook");
              },
            },
          ),
        () =>
          ctx.step("bad", () => {
            throw new Error("refused");
          }),
      ]);
    });
    const { engine } = await start([f]);
    const { run } = await engine.startRun(f, undefined);
    expect(await engine.awaitRun(run.id, 10_000)).toMatchObject({ status: "compensated" });
    await until(() => log.includes("booked"));
    expect(log.filter((l) => l !== "booked")).toEqual(["first", "undo-slowbook", "undo-first"]);
    expect(undone).toEqual([undefined]);
    const journal = await engine.store.journal(run.id);
    expect(entry(journal, "slowbook")).toMatchObject({
      state: "error",
      value: { code: "TESSERA_CANCELLED", details: { mayHaveLanded: true } },
    });
    expect(journal.filter((e) => e.kind === "compensate").map((e) => e.name)).toEqual(["slowbook", "first"]);
  });
});
