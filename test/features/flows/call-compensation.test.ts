// A coded flow compensates a service call: `ctx.call(ref, input, { compensate: { call, input } })`.
// An outside user found the flows template refunding by hand on one code path only: a shipping
// failure ended the run `failed`, and a cancel or a budget failure between charge and ship left the
// customer charged, because `compensate` existed for local steps (`ctx.step`) alone.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { flow, signal } from "../../../src/features/flows/index.js";
import { entry, service, TesseraError } from "../../../src/index.js";
import { type Harness, harness } from "./fixtures.js";

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});

/** A payment service that records each charge and refund with the request id it came with. */
function wallet(log: string[], refundFailures = 0) {
  let failing = refundFailures;
  return service("wallet", {
    entries: {
      charge: entry(
        { input: z.object({ amount: z.number() }), output: z.object({ paymentId: z.string() }) },
        ({ amount }, ctx) => {
          if (amount < 0) throw TesseraError.conflict("a charge is positive");
          log.push(`charge ${amount} ${ctx.requestId}`);
          return { paymentId: `pay-${amount}` };
        },
      ),
      refund: entry({ input: z.object({ paymentId: z.string() }) }, ({ paymentId }, ctx) => {
        if (failing-- > 0) throw new Error("refunds are down");
        log.push(`refund ${paymentId} ${ctx.requestId}`);
        return { refunded: paymentId };
      }),
    },
  });
}

type Wallet = ReturnType<typeof wallet>;

/** Charges 42 with its refund as the call's compensation, then runs `then`. */
function chargeThen(
  name: string,
  w: Wallet,
  then: (ctx: Parameters<Parameters<typeof flow>[2]>[0]) => Promise<unknown>,
  options = {},
) {
  return flow(name, options, async (ctx) => {
    await ctx.call(
      w.entries.charge,
      { amount: 42 },
      { compensate: { call: w.entries.refund, input: (payment) => ({ paymentId: payment.paymentId }) } },
    );
    return then(ctx);
  });
}

describe("a call's compensation (compensate on ctx.call)", { timeout: 30_000 }, () => {
  it("a call that succeeded before a later failure was never undone: it is refunded, once, and the run ends compensated", async () => {
    const log: string[] = [];
    const w = wallet(log);
    const saga = chargeThen("charge-then-fail", w, async () => {
      throw TesseraError.conflict("shipping does not deliver there");
    });
    const h = await harness([saga], {}, undefined, [w]);
    open.push(h);
    const { run } = await h.engine.startRun(saga, undefined);
    const end = await h.engine.awaitRun(run.id, 10_000);
    expect(end).toMatchObject({ status: "compensated", error: { code: "TESSERA_CONFLICT" } });
    // The refund's request id is its idempotency key: <runId>:-<seq of the charge>.
    expect(log).toEqual([`charge 42 ${run.id}:1`, `refund pay-42 ${run.id}:-1`]);
    const journal = await h.engine.store.journal(run.id);
    expect(
      journal.filter((e) => e.kind === "compensate").map((e) => `${e.seq} ${e.name} ${e.state}`),
    ).toEqual(["-1 wallet.charge ok"]);
  });

  it("a cancel after the call left the customer charged: the refund runs and the run ends cancelled", async () => {
    const log: string[] = [];
    const w = wallet(log);
    const never = signal("never");
    const saga = chargeThen("charge-then-wait", w, (ctx) => ctx.waitFor(never), { signals: [never] });
    const h = await harness([saga], { inlineSleepMs: 0 }, undefined, [w]);
    open.push(h);
    const { run } = await h.engine.startRun(saga, undefined);
    await expect
      .poll(async () => (await h.engine.store.getRun(run.id))?.status, { timeout: 10_000 })
      .toBe("waiting");
    await h.engine.cancel(run.id);
    expect((await h.engine.awaitRun(run.id, 10_000)).status).toBe("cancelled");
    expect(log).toEqual([`charge 42 ${run.id}:1`, `refund pay-42 ${run.id}:-1`]);
  });

  it("a budget failure after the call left the customer charged: the refund runs and the run ends compensated", async () => {
    const log: string[] = [];
    const w = wallet(log);
    const saga = chargeThen(
      "charge-then-spin",
      w,
      async (ctx) => {
        for (;;) await ctx.step("again", () => 1);
      },
      { budget: { stepsPerActivation: 50 } },
    );
    const h = await harness([saga], {}, undefined, [w]);
    open.push(h);
    const { run } = await h.engine.startRun(saga, undefined);
    expect(await h.engine.awaitRun(run.id, 20_000)).toMatchObject({
      status: "compensated",
      error: { code: "TESSERA_FLOW_BUDGET" },
    });
    expect(log).toEqual([`charge 42 ${run.id}:1`, `refund pay-42 ${run.id}:-1`]);
  });

  it("retries a failing compensating call under the same request id, and undoes nothing for a call that failed", async () => {
    const log: string[] = [];
    const w = wallet(log, 2);
    const saga = flow("charge-twice", {}, async (ctx) => {
      const refund = {
        call: w.entries.refund,
        input: (p: { paymentId: string }) => p,
        retry: { attempts: 3, baseDelayMs: 1 },
      };
      await ctx.call(w.entries.charge, { amount: 1 }, { compensate: refund });
      // A failed call has nothing to undo: its compensation is not registered.
      await ctx.tryCall(w.entries.charge, { amount: -1 }, { compensate: refund });
      throw TesseraError.conflict("later");
    });
    const h = await harness([saga], {}, undefined, [w]);
    open.push(h);
    const { run } = await h.engine.startRun(saga, undefined);
    expect((await h.engine.awaitRun(run.id, 10_000)).status).toBe("compensated");
    expect(log.filter((l) => l.startsWith("refund"))).toEqual([`refund pay-1 ${run.id}:-1`]);
  });
});
