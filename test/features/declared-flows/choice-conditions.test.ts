import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TesseraError } from "../../../src/core/errors.js";
import { holds, outcomeOf } from "../../../src/features/declared-flows/conditions.js";
import { sameJson } from "../../../src/features/declared-flows/same-json.js";
import { field } from "./external-services.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

describe("declared flows: choices read outcomes and values truthfully (issue 14)", () => {
  let f: DeclaredFixture | undefined;
  // A service that never answers: every call to it times out.
  let silent: Server;
  let address = "";
  beforeAll(async () => {
    silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    address = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/slow`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
  });
  afterEach(async () => {
    await f?.stop();
    f = undefined;
  });

  it("a call that timed out used to match is: server-error and never is: timeout", async () => {
    f = await declaredFixture();
    const reg = await f.client.post("/declared/services", {
      name: "slow",
      address,
      inputs: [field("message")],
      outputs: [],
    });
    expect(reg.status).toBe(201);
    const res = await f.client.post("/declared/flows", {
      name: "impatient",
      inputs: [field("message")],
      steps: [
        { id: "ask", service: "slow", timeout: "200ms", catch: { next: "route" } },
        {
          id: "route",
          type: "choice",
          choices: [
            { when: { outcome: "ask", is: "server-error" }, next: "server" },
            { when: { outcome: "ask", is: "timeout" }, next: "late" },
          ],
          default: "other",
        },
        { id: "server", type: "fail", message: "server-error" },
        { id: "late", type: "fail", message: "timeout" },
        { id: "other", type: "fail", message: "other" },
      ],
    });
    expect(res.status).toBe(201);
    const run = await f.client.post("/declared/flows/impatient/events", { data: { message: "x" } });
    expect(run.body).toMatchObject({ status: "failed", error: { message: "timeout" } });
  });

  it("is: error holds for a call that timed out, not for a wait whose signal timed out", () => {
    const timedOut = outcomeOf(TesseraError.timeout("late"));
    expect(timedOut).toEqual({ is: "timeout", failed: true });
    expect(outcomeOf(TesseraError.unavailable("down"))).toEqual({ is: "server-error", failed: true });
    expect(outcomeOf(TesseraError.badRequest("no"))).toEqual({ is: "client-error", failed: true });
    const outcomes = new Map([
      ["call", timedOut],
      ["wait", { is: "timeout" as const, failed: false }],
    ]);
    expect(holds({ outcome: "call", is: "error" }, {}, outcomes)).toBe(true);
    expect(holds({ outcome: "call", is: "server-error" }, {}, outcomes)).toBe(false);
    expect(holds({ outcome: "wait", is: "timeout" }, {}, outcomes)).toBe(true);
    expect(holds({ outcome: "wait", is: "error" }, {}, outcomes)).toBe(false);
    expect(holds({ outcome: "never", is: "error" }, {}, outcomes)).toBe(false);
  });

  it("object equality in a choice used to depend on the order of the keys", async () => {
    const data = { order: { sku: "a-1", qty: 2 } };
    expect(holds({ field: "order", equals: { qty: 2, sku: "a-1" } }, data, new Map())).toBe(true);
    expect(holds({ field: "order", notEquals: { qty: 2, sku: "a-1" } }, data, new Map())).toBe(false);
    expect(holds({ field: "order", equals: { qty: 3, sku: "a-1" } }, data, new Map())).toBe(false);
    expect(sameJson([{ a: 1, b: [1, 2] }], [{ b: [1, 2], a: 1 }])).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson({}, [])).toBe(false);
    expect(sameJson(null, {})).toBe(false);

    f = await declaredFixture();
    const res = await f.client.post("/declared/flows", {
      name: "same-order",
      inputs: [field("order", "object")],
      steps: [
        {
          id: "check",
          type: "choice",
          choices: [{ when: { field: "order", equals: { qty: 2, sku: "a-1" } }, next: "end" }],
          default: "differs",
        },
        { id: "differs", type: "fail", message: "not equal" },
      ],
    });
    expect(res.status).toBe(201);
    const run = await f.client.post("/declared/flows/same-order/events", { data });
    expect(run.body).toMatchObject({ status: "completed" });
  });
});
