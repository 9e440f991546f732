import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { flow, signal } from "../../../src/features/flows/index.js";
import { TesseraError } from "../../../src/index.js";
import { type Harness, harness } from "./fixtures.js";

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});

/** A saga of four bookings; `failAt` makes that step fail. Every action lands in `log`. */
function bookings(log: string[]) {
  return flow(
    "bookings",
    { input: z.object({ failAt: z.number().int().optional() }) },
    async (ctx, { failAt }) => {
      for (const n of [1, 2, 3, 4]) {
        await ctx.step(
          `book-${n}`,
          () => {
            if (failAt === n) throw TesseraError.conflict(`step ${n} refused`);
            log.push(`book-${n}`);
            return { booking: n };
          },
          { compensate: (r) => void log.push(`undo-${r.booking}`) },
        );
      }
      return "booked";
    },
  );
}

describe("sagas", () => {
  it("compensates the completed steps in reverse order, once each, and ends compensated with the cause", async () => {
    const log: string[] = [];
    const saga = bookings(log);
    const h = await harness([saga]);
    open.push(h);
    const { run } = await h.engine.startRun(saga, { failAt: 3 });
    const end = await h.engine.awaitRun(run.id, 5000);
    expect(end.status).toBe("compensated");
    expect(end.error).toMatchObject({ code: "TESSERA_CONFLICT", message: "step 3 refused" });
    expect(log).toEqual(["book-1", "book-2", "undo-2", "undo-1"]);
    const journal = await h.engine.store.journal(run.id);
    expect(journal.filter((e) => e.kind === "compensate").map((e) => `${e.seq} ${e.name}`)).toEqual([
      "-2 book-2",
      "-1 book-1",
    ]);
  });

  it("completes without compensating when nothing fails", async () => {
    const log: string[] = [];
    const saga = bookings(log);
    const h = await harness([saga]);
    open.push(h);
    expect(await h.engine.execute(saga, {})).toBe("booked");
    expect(log).toEqual(["book-1", "book-2", "book-3", "book-4"]);
  });

  it("resumes compensating after a restart without undoing a step twice", async () => {
    const store = memoryFlowStore();
    const log: string[] = [];
    let stall = true;
    const saga = flow("slow-undo", { version: "1" }, async (ctx) => {
      for (const n of [1, 2]) {
        await ctx.step(`book-${n}`, () => n, {
          compensate: async (r) => {
            if (r === 1 && stall) await new Promise(() => undefined);
            log.push(`undo-${r}`);
          },
        });
      }
      throw TesseraError.conflict("no seats");
    });
    const first = await harness([saga], { store, workerId: "a" });
    const { run } = await first.engine.startRun(saga, undefined);
    await expect.poll(() => log, { timeout: 5000 }).toEqual(["undo-2"]);
    expect((await store.getRun(run.id))?.status).toBe("compensating");
    await first.stop();
    stall = false;
    const second = await harness([saga], { store, workerId: "b" });
    open.push(second);
    const end = await second.engine.awaitRun(run.id, 5000);
    expect(end.status).toBe("compensated");
    expect(log).toEqual(["undo-2", "undo-1"]);
  });

  it("cancels a waiting run: it compensates, then ends cancelled", async () => {
    const log: string[] = [];
    const never = signal("never");
    const saga = flow("cancellable", { signals: [never] }, async (ctx) => {
      await ctx.step("reserve", () => log.push("reserve"), { compensate: () => void log.push("release") });
      await ctx.waitFor(never);
      return "done";
    });
    const h = await harness([saga], { inlineSleepMs: 0 });
    open.push(h);
    const { run } = await h.engine.startRun(saga, undefined);
    await expect.poll(async () => (await h.engine.store.getRun(run.id))?.status).toBe("waiting");
    await h.engine.cancel(run.id);
    const end = await h.engine.awaitRun(run.id, 5000);
    expect(end.status).toBe("cancelled");
    expect(log).toEqual(["reserve", "release"]);
  });

  it("retries a failed run from its failed step, keeping what succeeded", async () => {
    let fail = true;
    let first = 0;
    const retried = flow("retried", {}, async (ctx) => {
      await ctx.step("first", () => ++first);
      await ctx.step("second", () => {
        if (fail) throw new Error("down");
        return "ok";
      });
      return "done";
    });
    const h = await harness([retried]);
    open.push(h);
    const { run } = await h.engine.startRun(retried, undefined);
    const failed = await h.engine.awaitRun(run.id, 5000);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ code: "TESSERA_INTERNAL", message: "down" });
    fail = false;
    await h.engine.retry(run.id);
    expect((await h.engine.awaitRun(run.id, 5000)).status).toBe("completed");
    expect(first).toBe(1);
    await expect(h.engine.retry(run.id)).rejects.toMatchObject({ code: "TESSERA_CONFLICT" });
  });
});
