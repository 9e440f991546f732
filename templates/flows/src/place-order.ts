import { TesseraError } from "tesserae";
import { cron, flow } from "tesserae/flows";
import { z } from "zod";
import { payments } from "./payments.js";
import { shipping } from "./shipping.js";

export const Order = z.object({
  /** Given by the caller, or drawn by the run (`ctx.uuid()`: the same on every replay). */
  orderId: z.string().min(1).optional(),
  customer: z.string().min(1),
  amount: z.number().positive(),
  country: z.string().length(2),
});

/**
 * The business flow: charge the customer, then ship the order. A saga: when shipping fails, the
 * payment is refunded. Every call is journaled, so a run that a crash interrupts goes on from where
 * it stopped on restart, without charging twice.
 */
export const placeOrder = flow(
  "place-order",
  {
    input: Order,
    output: z.object({ orderId: z.string(), paymentId: z.string(), trackingId: z.string() }),
    description: "Charges the customer, then ships the order; refunds the payment when shipping fails",
    // The weekly box of the shop's subscription: one run per tick across every node, the tick's
    // date making its order id. A real schedule would read its subscribers in a step.
    triggers: [
      cron("0 9 * * 1", (tick) => ({
        orderId: `weekly-${tick.toISOString().slice(0, 10)}`,
        customer: "subscriber",
        amount: 25,
        country: "FR",
      })),
    ],
  },
  async (ctx, { customer, amount, country, orderId: given }) => {
    const orderId = given ?? ctx.uuid();
    const payment = await ctx.call(payments.entries.charge, { orderId, customer, amount });
    // tryCall gives the outcome instead of throwing, and lets the engine's own stops (a cancel, a
    // shutdown) through untouched.
    const shipped = await ctx.tryCall(shipping.entries.ship, { orderId, country });
    if (shipped.kind === "ok") {
      return { orderId, paymentId: payment.paymentId, trackingId: shipped.value.trackingId };
    }
    // The compensating step, a journaled call too: a replay reads it back, and a refund that was in
    // flight when the process died is sent again (refunding twice is refunding once). The engine's
    // own `compensate` option belongs to local steps (`ctx.step`), which cannot call a service.
    await ctx.call(payments.entries.refund, { paymentId: payment.paymentId });
    const cause = shipped.kind === "no-content" ? "shipping answered nothing" : shipped.error.message;
    throw TesseraError.conflict(
      `order ${orderId} not shipped (${cause}): payment ${payment.paymentId} refunded`,
      { orderId, paymentId: payment.paymentId },
    );
  },
);
