import { TesseraError } from "tesserae";
import { cron, flow, onEvent, signal } from "tesserae/flows";
import { z } from "zod";
import { orderPlaced } from "./events.js";
import { hello } from "./hello.js";

export const approval = signal("approval", z.object({ approved: z.boolean(), by: z.string() }));

export const onboard = flow(
  "onboard",
  {
    input: z.object({ name: z.string(), email: z.email() }),
    output: z.object({ greeting: z.string(), account: z.string() }),
    signals: [approval],
  },
  async (ctx, { name, email }) => {
    // A typed call: its result (or its error) is journaled; a replay reads it back.
    const { text } = await ctx.call(hello.entries.greet, { name });
    // A local side effect, run once; on failure later, its compensation runs (saga).
    const account = await ctx.step(
      "open-account",
      async ({ idempotencyKey }) => {
        const res = await fetch("https://accounts.example/open", {
          method: "POST",
          headers: { "idempotency-key": idempotencyKey },
          body: JSON.stringify({ email }),
        });
        return ((await res.json()) as { id: string }).id;
      },
      {
        retry: { attempts: 5, baseDelayMs: 200 },
        compensate: (id) => fetch(`https://accounts.example/${id}`, { method: "DELETE" }),
      },
    );
    // A durable timer and a wait for a human: the run sleeps in the store, not in memory.
    await ctx.sleep("1h");
    const decision = await ctx.waitFor(approval, { timeout: "2d" });
    if (decision?.approved !== true) throw TesseraError.conflict("not approved"); // → compensated
    return { greeting: text, account };
  },
);

// Triggers: a cron schedule (once per tick across every worker) and bus events.
export const nightly = flow("nightly", { triggers: [cron("0 2 * * *")] }, async (ctx) => {
  const at = ctx.now(); // journaled: the same on every replay (never call ctx inside a step's function)
  await ctx.step("report", () => ctx.log.info("report sent", { at }));
});

export const fulfil = flow(
  "fulfil",
  {
    input: z.object({ orderId: z.string() }),
    triggers: [onEvent(orderPlaced, (e) => ({ orderId: e.orderId }))],
  },
  async (ctx, { orderId }) => {
    const outcome = await ctx.tryCall(hello.entries.greet, { name: orderId });
    return outcome.kind === "ok" ? "greeted" : outcome.kind; // "client-error", "server-error", "no-content"
  },
);

// Branches side by side: each advances on its own (a wait in one holds no other). When one fails,
// the others are cancelled — their steps see `signal` aborted and are awaited, nothing new starts —
// then every completed step of every branch is compensated.
export const trip = flow("trip", { input: z.object({ name: z.string() }) }, async (ctx, { name }) => {
  const [hotel, { text }] = await ctx.parallel([
    () =>
      ctx.step(
        "book-hotel",
        async ({ idempotencyKey, signal }) => {
          const res = await fetch("https://hotels.example/book", {
            method: "POST",
            headers: { "idempotency-key": idempotencyKey },
            ...(signal === undefined ? {} : { signal }),
          });
          return ((await res.json()) as { id: string }).id;
        },
        { compensate: (id) => fetch(`https://hotels.example/${id}`, { method: "DELETE" }) },
      ),
    () => ctx.call(hello.entries.greet, { name }),
  ]);
  return { hotel, greeting: text };
});
