import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { entry, service, TesseraError } from "../../../src/index.js";
import { type DeclaredFixture, declaredFixture, runEnd } from "../declared-flows/fixture.js";

// GET /flows/runs/:runId/diagram.svg of States Language runs: the journal is replayed through the
// machine to know which states the run went through and how each ended.

const shop = service("shop", {
  entries: {
    echo: entry({ input: z.record(z.string(), z.unknown()) }, (input) => input),
    broken: entry({ input: z.record(z.string(), z.unknown()) }, () => {
      throw new TesseraError("TESSERA_UNAVAILABLE", "down");
    }),
  },
});

/** Each node's state, by id, from a run's SVG. */
function statesOf(svg: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of svg.matchAll(/data-id="([^"]+)" data-state="([^"]+)"><title>([^<]*)</g)) out[m[1]!] = m[2]!;
  return out;
}

/** Each node's title (its label, with `×n` when entered n times), by id. */
function titlesOf(svg: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of svg.matchAll(/data-id="([^"]+)" data-state="[^"]+"><title>([^<]*) \(/g)) out[m[1]!] = m[2]!;
  return out;
}

describe("a States Language run's diagram", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });

  async function drawn(definition: object, data: object, until?: string) {
    const name = `m${Math.random().toString(36).slice(2, 8)}`;
    const submitted = await f.client.post("/declared/flows", { name, language: "asl", definition });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const e = await f.client.post(`/declared/flows/${name}/events`, { data, mode: "async" });
    const id = (e.body as { eventId: string }).eventId;
    const run =
      until === undefined
        ? await runEnd(f, id)
        : await expect
            .poll(async () => (await f.engine.store.getRun(id))?.status, { timeout: 5000 })
            .toBe(until)
            .then(() => f.engine.store.getRun(id));
    const svg = String((await f.client.get(`/flows/runs/${id}/diagram.svg`)).text);
    return { run: run as unknown as Record<string, unknown>, states: statesOf(svg), titles: titlesOf(svg) };
  }

  it("a run that ends in a Fail state draws the Fail state failed and the Choice before it done (the Fail state was drawn pending)", async () => {
    f = await declaredFixture({ services: [shop] });
    const { run, states } = await drawn(
      {
        StartAt: "Pick",
        States: {
          Pick: {
            Type: "Choice",
            Choices: [{ Variable: "$.n", NumericEquals: 1, Next: "Echo" }],
            Default: "Refuse",
          },
          Echo: { Type: "Task", Resource: "shop.echo", End: true },
          Refuse: { Type: "Fail", Error: "Custom.Refused", Cause: "not one" },
        },
      },
      { n: 2 },
    );
    expect(run.status).toBe("failed");
    expect(states).toMatchObject({ __start: "done", Pick: "done", Echo: "pending", Refuse: "failed" });
  });

  it("a Task failing with States.TaskFailed after its retries, without Catch, is drawn failed and the Wait after it pending (the retry's delay was drawn as the Wait, done)", async () => {
    f = await declaredFixture({ services: [shop] });
    const { run, states } = await drawn(
      {
        StartAt: "First",
        States: {
          First: { Type: "Task", Resource: "shop.echo", Next: "Call" },
          Call: {
            Type: "Task",
            Resource: "shop.broken",
            Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 1, MaxAttempts: 1 }],
            Next: "Pause",
          },
          Pause: { Type: "Wait", Seconds: 1, End: true },
        },
      },
      {},
    );
    expect(run).toMatchObject({ status: "failed", error: { code: "TESSERA_UNAVAILABLE" } });
    expect(states).toMatchObject({ First: "done", Call: "failed", Pause: "pending", __end: "pending" });
  });

  it("a Fail state in a Parallel branch is drawn failed, and its Parallel too; the join is not reached", async () => {
    f = await declaredFixture({ services: [shop] });
    const { run, states } = await drawn(
      {
        StartAt: "Both",
        States: {
          Both: {
            Type: "Parallel",
            Branches: [
              { StartAt: "Stop", States: { Stop: { Type: "Fail", Error: "Custom.Stop" } } },
              { StartAt: "Go", States: { Go: { Type: "Pass", End: true } } },
            ],
            End: true,
          },
        },
      },
      {},
    );
    expect(run.status).toBe("failed");
    expect(states).toMatchObject({ Both: "failed", Stop: "failed", Go: "done", Both__join: "pending" });
  });

  it("a run sleeping in a retry's delay draws its Task waiting and the Wait after it pending", async () => {
    f = await declaredFixture({ services: [shop], engine: { inlineSleepMs: 0 } });
    const { states } = await drawn(
      {
        StartAt: "Call",
        States: {
          Call: {
            Type: "Task",
            Resource: "shop.broken",
            Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 30, MaxAttempts: 1 }],
            Next: "Pause",
          },
          Pause: { Type: "Wait", Seconds: 1, End: true },
        },
      },
      {},
      "sleeping",
    );
    expect(states).toMatchObject({ Call: "waiting", Pause: "pending" });
  });

  it("a completed run draws the way it took done (the Choice's way, a caught Task failed, a Map's processor with its count) and the way not taken pending", async () => {
    f = await declaredFixture({ services: [shop] });
    const { run, states, titles } = await drawn(
      {
        StartAt: "Pick",
        States: {
          Pick: {
            Type: "Choice",
            Choices: [{ Variable: "$.items[0]", IsPresent: true, Next: "Each" }],
            Default: "Nothing",
          },
          Nothing: { Type: "Succeed" },
          Each: {
            Type: "Map",
            ItemsPath: "$.items",
            ItemProcessor: {
              StartAt: "Echo",
              States: { Echo: { Type: "Task", Resource: "shop.echo", End: true } },
            },
            ResultPath: "$.echoed",
            Next: "Risky",
          },
          Risky: {
            Type: "Task",
            Resource: "shop.broken",
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Done" }],
            Next: "Nothing",
          },
          Done: { Type: "Pass", End: true },
        },
      },
      { items: [{ a: 1 }, { a: 2 }, { a: 3 }] },
    );
    expect(run.status).toBe("completed");
    expect(states).toMatchObject({
      Pick: "done",
      Nothing: "pending",
      Each: "done",
      Echo: "done",
      Each__join: "done",
      Risky: "failed",
      Done: "done",
      __end: "done",
    });
    expect(titles.Echo).toBe("Echo ×3");
  });
});
