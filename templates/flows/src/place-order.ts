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
 * The business flow: charge the customer, then ship the order. A saga: the refund is the charge's
 * compensation, so when shipping fails — or the run is cancelled, or any later error ends it — the
 * engine refunds the payment and the run ends `compensated`. Every call is journaled, so a run that
 * a crash interrupts goes on from where it stopped on restart, without charging twice.
 */
export const placeOrder = flow(
  "place-order",
  {
    input: Order,
    output: z.object({ orderId: z.string(), paymentId: z.string(), trackingId: z.string() }),
    description: "Charges the customer, then ships the order; refunds the payment when the run fails later",
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
    const payment = await ctx.call(
      payments.entries.charge,
      { orderId, customer, amount },
      {
        // The compensating call: the engine sends it when the run fails, is cancelled or exceeds
        // its budget after the charge, journals it, and sends it again with the same request id if
        // a crash interrupts it (refunding twice is refunding once).
        compensate: { call: payments.entries.refund, input: ({ paymentId }) => ({ paymentId }) },
      },
    );
    const { trackingId } = await ctx.call(shipping.entries.ship, { orderId, country });
    return { orderId, paymentId: payment.paymentId, trackingId };
  },
);
