import { createGateway, createNode, silentLogger } from "tesserae";
import { createFlowEngine, flowsService, type RunView } from "tesserae/flows";
import { memoryFlowStore, memoryTransport } from "tesserae/memory";
import { testClient } from "tesserae/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Payment, payments } from "../src/payments.js";
import { Order, placeOrder } from "../src/place-order.js";
import { shipping } from "../src/shipping.js";

// The project as `tesserae start` serves it, but in memory: the flow engine keeps its runs in a
// memory store (no file to clean up) and its `flows` service (flowsService) is served next to the
// tech services.
const engine = createFlowEngine({ store: memoryFlowStore(), flows: [placeOrder], logger: silentLogger });
const node = createNode({
  services: [payments, shipping, flowsService(engine)],
  plugins: [engine],
  transport: memoryTransport(),
  logger: silentLogger,
});
const client = testClient(createGateway(node));

beforeAll(() => node.start());
afterAll(() => node.stop());

/** Starts a run over HTTP and waits for its end, as `curl -X POST /flows/place-order/runs` does. */
async function order(input: Record<string, unknown>): Promise<RunView> {
  const res = await client.post("/flows/place-order/runs", { input });
  expect(res.status).toBe(200);
  return res.body as RunView;
}

async function payment(paymentId: string): Promise<Payment> {
  const res = await client.get(`/payments/${paymentId}`);
  expect(res.status).toBe(200);
  return res.body as Payment;
}

describe("place-order", () => {
  it("charges the customer, then ships the order", async () => {
    const run = await order({ orderId: "o-1", customer: "Ada", amount: 42, country: "FR" });
    expect(run.status).toBe("completed");
    const output = run.output as { paymentId: string };
    expect(output).toEqual({ orderId: "o-1", paymentId: expect.any(String), trackingId: "trk_o-1" });
    expect(await payment(output.paymentId)).toMatchObject({ amount: 42, status: "charged" });
  });

  it("refunds the payment when shipping fails: the engine's compensation, the run ends compensated", async () => {
    const run = await order({ orderId: "o-2", customer: "Bob", amount: 10, country: "AQ" });
    expect(run.status).toBe("compensated");
    expect(run.error).toMatchObject({ code: "TESSERA_CONFLICT", message: "shipping does not deliver to AQ" });
    // The run's history (by seq; a compensation is at minus its call's seq): the charge, the
    // refused shipment, and the charge compensated (the refund), each journaled once.
    const { history } = (await client.get(`/flows/runs/${run.runId}`)).body as RunView;
    expect(history?.map((h) => `${h.seq} ${h.kind} ${h.name} ${h.state}`)).toEqual([
      "-1 compensate payments.charge ok",
      "1 call payments.charge ok",
      "2 call shipping.ship error",
    ]);
    const { paymentId } = history!.find((h) => h.kind === "call")!.value as Payment;
    expect(await payment(paymentId)).toMatchObject({ amount: 10, status: "refunded" });
  });

  it("refuses an invalid order before any run starts, naming the field", async () => {
    const res = await client.post("/flows/place-order/runs", { input: { customer: "Ada", amount: -1 } });
    expect(res.status).toBe(400);
    expect(res.text).toContain("input.amount");
  });

  it("is started by a weekly cron trigger too, with an input the flow accepts", () => {
    const [trigger] = placeOrder.options.triggers ?? [];
    if (trigger?.kind !== "cron") throw new Error("no cron trigger");
    expect(trigger.pattern).toBe("0 9 * * 1");
    const input = Order.parse(trigger.input(new Date("2030-01-07T09:00:00Z")));
    expect(input).toMatchObject({ orderId: "weekly-2030-01-07", country: "FR" });
  });
});
