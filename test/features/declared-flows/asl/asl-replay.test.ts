import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryDeclaredFlowStore, memoryFlowStore } from "../../../../src/adapters/memory/index.js";
import { entry, service, TesseraError } from "../../../../src/index.js";
import { type DeclaredFixture, declaredFixture, runEnd } from "../fixture.js";

// A States Language run stopped at a durable timer and resumed by another engine on the same stores
// replays its journal: what it drew (States.UUID, States.MathRandom, a FULL jitter, the context
// object's times) is read back, not drawn again, and no Task whose outcome is journaled runs again.

interface Call {
  readonly key: string;
  readonly input: Record<string, unknown>;
}
let calls: Call[] = [];
let flakyCalls = 0;
const probe = service("probe", {
  entries: {
    record: entry({ input: z.record(z.string(), z.unknown()) }, (input, ctx) => {
      calls.push({ key: ctx.requestId, input });
      return input;
    }),
    flaky: entry({ input: z.record(z.string(), z.unknown()) }, (input, ctx) => {
      calls.push({ key: ctx.requestId, input });
      flakyCalls++;
      if (flakyCalls === 1) throw new TesseraError("TESSERA_UNAVAILABLE", "not yet");
      return { attempt: flakyCalls };
    }),
  },
});

describe("States Language runs resumed from their journal", () => {
  const flowStore = memoryFlowStore();
  const store = memoryDeclaredFlowStore();
  let open: DeclaredFixture | undefined;
  let workers = 0;
  /** A new engine on the same stores (the previous one stopped, as a worker that went away). */
  const worker = async () => {
    await open?.stop();
    open = await declaredFixture({
      flowStore,
      store,
      services: [probe],
      engine: { inlineSleepMs: 0, workerId: `w${++workers}` },
    });
    return open;
  };
  const statusOf = async (id: string) => (await flowStore.getRun(id))?.status;
  afterEach(async () => {
    await open?.stop();
    open = undefined;
    calls = [];
    flakyCalls = 0;
  });

  it("$$.Execution.StartTime read first in one Parallel branch, then in the other: the resumed run completes with one start time (it was blocked as non-deterministic)", async () => {
    const f = await worker();
    const task = (b: string) => ({
      Type: "Task",
      Resource: "probe.record",
      Parameters: { "start.$": "$$.Execution.StartTime", b },
      End: true,
    });
    const machine = {
      StartAt: "Both",
      States: {
        Both: {
          Type: "Parallel",
          End: true,
          Branches: [
            // Live, B reads the context first (A sleeps); replayed, A's sleep is over at once.
            { StartAt: "Nap", States: { Nap: { Type: "Wait", Seconds: 1, Next: "A" }, A: task("A") } },
            {
              StartAt: "First",
              States: {
                First: { Type: "Task", Resource: "probe.record", Parameters: { b: "B0" }, Next: "B" },
                B: task("B"),
              },
            },
          ],
        },
      },
    };
    expect(
      (await f.client.post("/declared/flows", { name: "start-time", language: "asl", definition: machine }))
        .status,
    ).toBe(201);
    const e = await f.client.post("/declared/flows/start-time/events", { data: {}, mode: "async" });
    const id = (e.body as { eventId: string }).eventId;
    await expect.poll(() => statusOf(id), { timeout: 5000 }).toBe("sleeping");
    const resumed = await runEnd(await worker(), id);
    const created = new Date((await flowStore.getRun(id))!.createdAt).toISOString();
    expect(resumed).toMatchObject({ status: "completed" });
    expect(resumed.output).toEqual([
      { start: created, b: "A" },
      { start: created, b: "B" },
    ]);
    expect(calls.map((c) => c.input.b)).toEqual(["B0", "B", "A"]);
  });

  it("a run resumed twice (in a retry's jittered delay, then in a Map's Waits) draws nothing again and runs no journaled Task again", async () => {
    let f = await worker();
    const machine = {
      StartAt: "Draw",
      States: {
        Draw: {
          Type: "Pass",
          Parameters: {
            "id.$": "States.UUID()",
            "n.$": "States.MathRandom(0, 1000000)",
            "start.$": "$$.Execution.StartTime",
            "entered.$": "$$.State.EnteredTime",
            "items.$": "$.items",
          },
          Next: "Record",
        },
        Record: {
          Type: "Task",
          Resource: "probe.record",
          Parameters: { "id.$": "$.id", "n.$": "$.n", "start.$": "$.start", "entered.$": "$.entered" },
          ResultPath: "$.first",
          Next: "Flaky",
        },
        Flaky: {
          Type: "Task",
          Resource: "probe.flaky",
          Parameters: { "id.$": "$.id" },
          Retry: [
            { ErrorEquals: ["States.ALL"], IntervalSeconds: 1, MaxAttempts: 2, JitterStrategy: "FULL" },
          ],
          ResultPath: "$.flaky",
          Next: "Each",
        },
        Each: {
          Type: "Map",
          ItemsPath: "$.items",
          ItemSelector: { "item.$": "$$.Map.Item.Value", "uuid.$": "States.UUID()" },
          ItemProcessor: {
            StartAt: "Pause",
            States: {
              Pause: { Type: "Wait", Seconds: 1, Next: "Visit" },
              Visit: {
                Type: "Task",
                Resource: "probe.record",
                Parameters: { "item.$": "$.item", "uuid.$": "$.uuid", "entered.$": "$$.State.EnteredTime" },
                End: true,
              },
            },
          },
          ResultPath: "$.each",
          End: true,
        },
      },
    };
    expect(
      (await f.client.post("/declared/flows", { name: "draws", language: "asl", definition: machine }))
        .status,
    ).toBe(201);
    const e = await f.client.post("/declared/flows/draws/events", {
      data: { items: ["x", "y"] },
      mode: "async",
    });
    const id = (e.body as { eventId: string }).eventId;
    // In the retry's delay (a FULL jitter of 0 would be no delay: then straight to the Map's Waits).
    await expect.poll(() => statusOf(id), { timeout: 5000 }).toBe("sleeping");
    f = await worker();
    await expect.poll(async () => calls.length, { timeout: 5000 }).toBe(3);
    await expect.poll(() => statusOf(id), { timeout: 5000 }).toBe("sleeping");
    f = await worker();
    const end = await runEnd(f, id);
    expect(end.status).toBe("completed");
    const out = end.output as Record<string, unknown> & {
      first: unknown;
      each: { item: string; uuid: string }[];
    };
    // Every Task ran once per journaled attempt: its idempotency keys are all different.
    expect(calls).toHaveLength(5);
    expect(new Set(calls.map((c) => c.key)).size).toBe(5);
    // What the Tasks saw is what the output says, across both resumptions.
    const first = calls[0]!.input;
    expect(out.first).toEqual(first);
    expect(first).toMatchObject({
      id: out.id,
      n: out.n,
      start: new Date((await flowStore.getRun(id))!.createdAt).toISOString(),
    });
    expect(calls[2]!.input).toEqual({ id: out.id });
    expect(out.flaky).toEqual({ attempt: 2 });
    const visits = calls.slice(3).map((c) => c.input);
    expect(out.each).toEqual(expect.arrayContaining(visits));
    expect(out.each.map((v) => v.item)).toEqual(["x", "y"]);
    const uuids = out.each.map((v) => v.uuid);
    expect(new Set([out.id, ...uuids]).size).toBe(3);
    // Drawn once each: one UUID per Draw and per item, one random for MathRandom and one for the jitter.
    const kinds = (await flowStore.journal(id)).map((x) => x.kind);
    expect(kinds.filter((k) => k === "uuid")).toHaveLength(3);
    expect(kinds.filter((k) => k === "random")).toHaveLength(2);
  });
});
