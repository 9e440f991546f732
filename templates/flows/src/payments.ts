import { randomUUID } from "node:crypto";
import { entry, service, TesseraError } from "tesserae";
import { z } from "zod";

const Payment = z.object({
  paymentId: z.string(),
  orderId: z.string(),
  customer: z.string(),
  amount: z.number(),
  status: z.enum(["charged", "refunded"]),
});
export type Payment = z.infer<typeof Payment>;

// A stand-in for a payment provider, kept in memory so that the template needs no account anywhere:
// swap it for your provider's API (give it the idempotency key below) or a database.
const ledger = new Map<string, Payment>();
/** The payment made for each request id: a repeated request gets it back instead of paying twice. */
const byRequest = new Map<string, string>();

/** Charges and refunds customers: `POST /payments/charge`, `POST /payments/refund`, `GET /payments/:paymentId`. */
export const payments = service("payments", {
  description: "Charges and refunds customers",
  entries: {
    charge: entry(
      {
        input: z.object({
          orderId: z.string().min(1),
          customer: z.string().min(1),
          amount: z.number().positive(),
        }),
        output: Payment,
        summary: "Charges a customer for an order",
      },
      ({ orderId, customer, amount }, ctx) => {
        // A flow's call carries `<runId>:<seq>` as its request id, the same when it is sent again
        // after a crash: the key that makes the charge happen once.
        const known = byRequest.get(ctx.requestId);
        if (known !== undefined) return ledger.get(known)!;
        const payment: Payment = {
          paymentId: `pay_${randomUUID().slice(0, 8)}`,
          orderId,
          customer,
          amount,
          status: "charged",
        };
        ledger.set(payment.paymentId, payment);
        byRequest.set(ctx.requestId, payment.paymentId);
        ctx.log.info("payment charged", { paymentId: payment.paymentId, amount });
        return payment;
      },
    ),
    refund: entry(
      { input: z.object({ paymentId: z.string().min(1) }), output: Payment, summary: "Refunds a payment" },
      ({ paymentId }, ctx) => {
        const payment = ledger.get(paymentId);
        if (payment === undefined) throw TesseraError.notFound(`no payment ${paymentId}`);
        // Refunding twice is refunding once: a compensation may be sent again after a crash.
        const refunded: Payment = { ...payment, status: "refunded" };
        ledger.set(paymentId, refunded);
        ctx.log.info("payment refunded", { paymentId });
        return refunded;
      },
    ),
    get: entry(
      {
        input: z.object({ paymentId: z.string() }),
        params: ["paymentId"],
        output: Payment,
        summary: "A payment",
      },
      ({ paymentId }) => {
        const payment = ledger.get(paymentId);
        if (payment === undefined) throw TesseraError.notFound(`no payment ${paymentId}`);
        return payment;
      },
    ),
  },
});
