import { afterEach, describe, expect, it } from "vitest";
import { flow } from "../../../src/features/flows/index.js";
import { TesseraError } from "../../../src/index.js";
import { type Harness, harness } from "./fixtures.js";

// Issue 14, finding 3 (and the cancelled run's error of finding 6): every compensation runs, in
// reverse order of completion; a failed one is listed on the run, whose error stays the original.

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});
const start = async (...args: Parameters<typeof harness>) => {
  const h = await harness(...args);
  open.push(h);
  return h;
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("compensation runs to the end", () => {
  it("one failed compensation stopped the others and replaced the run's error", async () => {
    const log: string[] = [];
    const saga = flow("saga", {}, async (ctx) => {
      await ctx.step("one", () => log.push("one"), { compensate: () => void log.push("undo-one") });
      await ctx.step("two", () => log.push("two"), {
        compensate: () => {
          log.push("undo-two");
          throw TesseraError.unavailable("the undo of two is down");
        },
        retry: { attempts: 3, baseDelayMs: 1 },
      });
      await ctx.step("three", () => {
        throw TesseraError.conflict("three is full");
      });
    });
    const { engine } = await start([saga]);
    const { run } = await engine.startRun(saga, undefined);
    const end = await engine.awaitRun(run.id, 10_000);
    expect(log).toEqual(["one", "two", "undo-two", "undo-two", "undo-two", "undo-one"]);
    expect(end.status).toBe("failed");
    expect(end.error).toEqual({
      code: "TESSERA_CONFLICT",
      message: "three is full",
      details: {
        compensationFailures: [
          { step: "two", error: { code: "TESSERA_UNAVAILABLE", message: "the undo of two is down" } },
        ],
      },
    });
    const journal = await engine.store.journal(run.id);
    expect(journal.filter((e) => e.seq < 0).map((e) => `${e.seq} ${e.name} ${e.state}`)).toEqual([
      "-2 two error",
      "-1 one ok",
    ]);
  });

  it("compensations ran in the order the steps were issued, not the order they completed", async () => {
    const log: string[] = [];
    const saga = flow("racing", {}, async (ctx) => {
      await Promise.all([
        ctx.step(
          "slow",
          async () => {
            await pause(150);
            log.push("slow");
          },
          { compensate: () => void log.push("undo-slow") },
        ),
        ctx.step("fast", () => void log.push("fast"), { compensate: () => void log.push("undo-fast") }),
      ]);
      await ctx.step("fail", () => {
        throw TesseraError.conflict("no");
      });
    });
    const { engine } = await start([saga]);
    const { run } = await engine.startRun(saga, undefined);
    expect((await engine.awaitRun(run.id, 10_000)).status).toBe("compensated");
    // "fast" completed first, so it is undone last.
    expect(log).toEqual(["fast", "slow", "undo-slow", "undo-fast"]);
  });

  it("a step completing while a cancel was pending was never compensated, and the cancelled run's error was TESSERA_INTERNAL", async () => {
    const log: string[] = [];
    let started = false;
    const saga = flow("slow-booking", {}, async (ctx) => {
      await ctx.step(
        "book",
        async () => {
          started = true;
          await pause(300);
          log.push("booked");
        },
        { compensate: () => void log.push("unbooked") },
      );
      await ctx.step("more", () => log.push("more"));
    });
    const { engine } = await start([saga]);
    const { run } = await engine.startRun(saga, undefined);
    await expect.poll(() => started).toBe(true);
    await engine.cancel(run.id);
    const end = await engine.awaitRun(run.id, 10_000);
    expect(end.status).toBe("cancelled");
    expect(end.error).toMatchObject({ code: "TESSERA_CANCELLED" });
    expect(log).toEqual(["booked", "unbooked"]);
  });
});
