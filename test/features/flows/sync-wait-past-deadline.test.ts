// Found by the gateway fuzz (issue 19, test/e2e/gateway-fuzz.e2e.test.ts): a sync start whose run
// was still going when the request's deadline came answered 504 TESSERA_TIMEOUT instead of the
// documented 202 (the run still going): the wait (`waitMs`, default 10 s, up to 120 s) was not cut
// to the request's deadline (`requestTimeout`, default 30 s). On POST /flows/:name/runs, POST
// /declared/flows/:name/events and machinery's POST /e/:id. Now each waits at most until shortly
// before its deadline, then answers 202 with where to look.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { order } from "../../../examples/guide/declared-order.js";
import { flow, signal } from "../../../src/features/flows/index.js";
import { answerMarginMs, waitWithin } from "../../../src/features/flows/run-waiters.js";
import { createGateway, entry, service } from "../../../src/index.js";
import { type TestClient, testClient } from "../../../src/testing/index.js";
import { type DeclaredFixture, declaredFixture, textAliases } from "../declared-flows/fixture.js";

const go = signal("go", z.object({}));
const waiting = flow("waiting", { signals: [go] }, async (ctx) => {
  await ctx.waitFor(go);
  return "done";
});

/** A service that answers after 3 s (or when its caller gives up), for machinery's workflow. */
const slow = service("slow", {
  entries: {
    wait: entry({ input: z.object({ message: z.string() }) }, async (input, ctx) => {
      await new Promise((r) => {
        const t = setTimeout(r, 3000);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(t);
          r(undefined);
        });
      });
      return input;
    }),
  },
});

describe("a sync start answers 202 before its request deadline, not 504", () => {
  let f: DeclaredFixture;
  let http: TestClient;
  let workflowId: string;
  beforeAll(async () => {
    f = await declaredFixture({
      flows: [waiting],
      services: [slow],
      aliases: { ...textAliases, slow: "slow.wait" },
    });
    // A deadline of 1 s, under the sync wait's default of 10 s.
    http = testClient(createGateway(f.node, { requestTimeout: 1000 }));
    expect((await http.post("/declared/flows", order)).status).toBe(201);
    const w = await http.post("/w", {
      name: "slowly",
      services: ["slow"],
      inputs: [{ name: "message", type: "string" }],
    });
    expect(w.status).toBe(201);
    workflowId = (w.body as { workflow_id: string }).workflow_id;
  });
  afterAll(() => f.stop());

  it("POST /flows/:name/runs with the default wait, or a waitMs past the deadline: 202 with the run", async () => {
    for (const body of [{}, { waitMs: 60_000 }]) {
      const res = await http.post("/flows/waiting/runs", body);
      expect(res.status, res.text).toBe(202);
      const { runId, status } = res.body as { runId: string; status: string };
      expect(status).toBe("waiting");
      expect(res.headers.location).toBe(`/flows/runs/${runId}`);
    }
  });

  it("POST /declared/flows/:name/events of a flow that waits for a signal: 202 with the event", async () => {
    const res = await http.post("/declared/flows/order/events", { data: { message: "hi" }, waitMs: 120_000 });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ eventId: expect.any(String), status: expect.any(String) });
  });

  it("machinery's POST /e/:id while its service still works: 202 {event_id, status}", async () => {
    const res = await http.post(`/e/${workflowId}`, { message: "hi" });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ event_id: expect.any(String), status: "running" });
  });

  it("waitWithin keeps waitMs when the deadline is far, cuts it before a near one, never below 0", () => {
    expect(waitWithin(10_000, undefined)).toBe(10_000);
    expect(waitWithin(10_000, 1_000_000 + 30_000, 1_000_000)).toBe(10_000);
    expect(waitWithin(10_000, 1_000_000 + 5000, 1_000_000)).toBe(5000 - answerMarginMs);
    expect(waitWithin(10_000, 1_000_000 + 100, 1_000_000)).toBe(0);
  });
});
