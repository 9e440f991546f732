import { afterEach, describe, expect, it } from "vitest";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { type FlowDef, flow, signal } from "../../../src/features/flows/index.js";
import { createGateway } from "../../../src/index.js";
import { testClient } from "../../../src/testing/index.js";
import { type Harness, harness, textService } from "./fixtures.js";

// Issue 14 follow-up, finding 4 (coded flows and the run view): a duration past what any engine can
// honour was taken as it was, and its due time, past what a Date holds, made every listing of runs
// answer 500 (RangeError: Invalid time value at Date.toISOString). A duration is now at most 365
// days, refused where the code gives it; a run stored with such a time by an older version lists.

const text = textService();
const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});

const huge = "99999999999d" as const;
const approval = signal("approval");
const flows: FlowDef<string, undefined>[] = [
  flow("sleeps", {}, async (ctx) => ctx.sleep(huge)),
  flow("sleeps-until", {}, async (ctx) => ctx.sleepUntil(8.64e15 + 1)),
  flow("waits", {}, async (ctx) => ctx.waitFor(approval, { timeout: huge })),
  flow("steps", {}, async (ctx) => ctx.step("s", () => 1, { retry: { attempts: 2, baseDelayMs: 1e20 } })),
  flow("calls", {}, async (ctx) => ctx.call(text.entries.upper, { message: "a" }, { timeout: 1e20 })),
  flow("try-calls", {}, async (ctx) =>
    ctx.tryCall(text.entries.upper, { message: "a" }, { retry: { attempts: 2, maxDelayMs: Infinity } }),
  ),
];

describe("durations past 365 days in coded flows (issue 14 follow-up, finding 4)", () => {
  it("ctx.sleep of 99999999999d was taken and stored a due time no Date holds", async () => {
    const h = await harness(flows, { inlineSleepMs: 0 });
    open.push(h);
    const http = testClient(createGateway(h.node));
    for (const f of flows) {
      const { run } = await h.engine.startRun(f, undefined);
      const end = await h.engine.awaitRun(run.id, 20_000);
      expect(end, f.name).toMatchObject({ status: "failed", error: { code: "TESSERA_DEFINITION" } });
    }
    const runs = await http.get("/flows/runs");
    expect(runs.status).toBe(200);
    expect((runs.body as unknown[]).length).toBe(flows.length);
  });

  it("a flow's retry delay past 365 days was accepted when declared", () => {
    expect(() => flow("r", { retry: { attempts: 3, baseDelayMs: 366 * 86_400_000 } }, async () => 1)).toThrow(
      expect.objectContaining({ code: "TESSERA_DEFINITION" }),
    );
  });

  it("a run stored with a due time past what a Date holds made the runs listing and the run answer 500", async () => {
    const store = memoryFlowStore();
    const now = Date.now();
    // As a version that took "99999999999d" stored it: a sleep's deadline, a retry's next attempt.
    const due = now + 99_999_999_999 * 86_400_000;
    await store.commit({
      owner: "old-node",
      now,
      leaseMs: 1000,
      creates: [{ id: "old-run", flow: "q2", version: "1", input: {}, owner: "old-node" }],
      writes: [],
    });
    await store.commit({
      owner: "old-node",
      now,
      leaseMs: 1000,
      creates: [],
      writes: [
        {
          runId: "old-run",
          entries: [
            {
              seq: 1,
              kind: "step",
              name: "c",
              state: "error",
              value: { code: "TESSERA_UNAVAILABLE", message: "down", attempt: 1, retryAt: due },
              at: now,
            },
            { seq: 2, kind: "sleep", name: "sleep", state: "pending", value: due, at: now },
          ],
          update: { status: "sleeping", dueAt: due, release: true },
        },
      ],
    });
    const h = await harness([], { store });
    open.push(h);
    const http = testClient(createGateway(h.node));
    const far = "+275760-09-13T00:00:00.000Z";
    for (const path of ["/flows/runs", "/flows/runs?flow=q2"]) {
      const res = await http.get(path);
      expect(res.status, path).toBe(200);
      expect(res.body, path).toEqual([expect.objectContaining({ runId: "old-run", dueAt: far })]);
    }
    const one = await http.get("/flows/runs/old-run");
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ status: "sleeping", dueAt: far, history: [{ retryAt: far }, {}] });
  });
});
