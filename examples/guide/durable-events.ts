import { entry, event, service, subscribe } from "tesserae";
import { z } from "zod";

// Durable: stored by the transport (JetStream on NATS, in process on the memory bus).
export const invoicePaid = event("invoice.paid", z.object({ invoiceId: z.string(), amount: z.number() }), {
  durable: true,
});

export const invoices = service("invoices", {
  entries: {
    pay: entry({ input: z.object({ invoiceId: z.string(), amount: z.number() }) }, async (input, ctx) => {
      // Resolves once stored; a second emit with the same id (e.g. a retried call) is dropped.
      await ctx.emit(invoicePaid, input, { id: `paid-${input.invoiceId}` });
      return { paid: true };
    }),
  },
});

export const ledger = service("ledger", {
  on: {
    // One durable consumer `ledger.record` shared by the instances of `ledger`: acknowledged once
    // the handler succeeds, redelivered after 200 ms then 400 ms when it throws, and after the
    // third failure moved to `tessera.dlq.ledger.record`.
    record: subscribe(invoicePaid, async (e, ctx) => ctx.log.info("booked", { invoice: e.invoiceId }), {
      retry: { attempts: 3, baseDelayMs: 200 },
    }),
  },
});
