import { entry, event, service, subscribe } from "tesserae";
import { z } from "zod";

export const orderPlaced = event("order.placed", z.object({ orderId: z.string(), total: z.number() }));

export const orders = service("orders", {
  entries: {
    place: entry({ input: z.object({ total: z.number().positive() }) }, async ({ total }, ctx) => {
      const orderId = crypto.randomUUID();
      await ctx.emit(orderPlaced, { orderId, total });
      return { orderId };
    }),
  },
});

export const mailer = service("mailer", {
  on: {
    // Balanced (default): one instance of `mailer` handles each event; retried 5 times if it throws.
    confirm: subscribe(orderPlaced, (e, ctx) => ctx.log.info("mail sent", { orderId: e.orderId }), {
      retry: { attempts: 5, baseDelayMs: 200 },
    }),
    // Broadcast: every instance of `mailer` sees every event (e.g. to refresh a local cache).
    cache: subscribe(orderPlaced, () => undefined, { delivery: "broadcast" }),
  },
});
