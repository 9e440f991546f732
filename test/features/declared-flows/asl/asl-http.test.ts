import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { entry, service, TesseraError } from "../../../../src/index.js";
import { type DeclaredFixture, declaredFixture } from "../fixture.js";

// The States Language spec's Choice example ("type"/"value", And of NumericGreaterThanEquals and
// NumericLessThan → ValueInTwenties) and Parallel example (LookupAddress and LookupPhone on the same
// input), with a Map over items and a Task that fails once then succeeds under a Retry — the
// done-when of issue 16, item 4, through the HTTP API of a node.

let flakyCalls = 0;
const shop = service("shop", {
  entries: {
    lookupAddress: entry({ input: z.object({ customer: z.string() }) }, ({ customer }) => ({
      street: `${customer} street`,
    })),
    lookupPhone: entry({ input: z.object({ customer: z.string() }) }, ({ customer }) => ({
      phone: `${customer}-555`,
    })),
    double: entry({ input: z.object({ n: z.number() }) }, ({ n }) => ({ n: n * 2 })),
    flaky: entry({ input: z.object({ value: z.number() }) }, ({ value }) => {
      flakyCalls++;
      if (flakyCalls === 1) throw new TesseraError("TESSERA_UNAVAILABLE", "not yet");
      return { twenties: value };
    }),
  },
});

const machine = {
  Comment: "Choice, Parallel, Map and Retry",
  StartAt: "ChoiceStateX",
  States: {
    ChoiceStateX: {
      Type: "Choice",
      Choices: [
        { Not: { Variable: "$.type", StringEquals: "Private" }, Next: "ValueInTwenties" },
        {
          And: [
            { Variable: "$.value", NumericGreaterThanEquals: 20 },
            { Variable: "$.value", NumericLessThan: 30 },
          ],
          Next: "ValueInTwenties",
        },
      ],
      Default: "DefaultState",
    },
    ValueInTwenties: {
      Type: "Task",
      Resource: "shop.flaky",
      Parameters: { "value.$": "$.value" },
      ResultPath: "$.checked",
      Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 1, MaxAttempts: 2 }],
      Next: "LookupCustomerInfo",
    },
    DefaultState: { Type: "Fail", Cause: "No Matches!" },
    LookupCustomerInfo: {
      Type: "Parallel",
      Branches: [
        {
          StartAt: "LookupAddress",
          States: {
            LookupAddress: {
              Type: "Task",
              Resource: "shop.lookupAddress",
              Parameters: { "customer.$": "$.customer" },
              End: true,
            },
          },
        },
        {
          StartAt: "LookupPhone",
          States: {
            LookupPhone: {
              Type: "Task",
              Resource: "shop.lookupPhone",
              Parameters: { "customer.$": "$.customer" },
              End: true,
            },
          },
        },
      ],
      ResultPath: "$.contact",
      Next: "DoubleAll",
    },
    DoubleAll: {
      Type: "Map",
      ItemsPath: "$.items",
      ItemSelector: { "n.$": "$$.Map.Item.Value" },
      MaxConcurrency: 2,
      ItemProcessor: {
        StartAt: "Double",
        States: { Double: { Type: "Task", Resource: "shop.double", OutputPath: "$.n", End: true } },
      },
      ResultPath: "$.doubled",
      Next: "Summary",
    },
    Summary: {
      Type: "Pass",
      Parameters: {
        "text.$": "States.Format('{} lives on {}', $.customer, $.contact[0].street)",
        "count.$": "States.ArrayLength($.doubled)",
        "doubled.$": "$.doubled",
        "checked.$": "$.checked",
      },
      End: true,
    },
  },
};

describe("Amazon States Language flows over HTTP", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });

  it("runs a machine with a Choice, a Parallel, a Map and a retried Task to the specification's output", async () => {
    flakyCalls = 0;
    f = await declaredFixture({ services: [shop] });
    const submitted = await f.client.post("/declared/flows", {
      name: "customer",
      language: "asl",
      definition: machine,
    });
    expect(submitted.status).toBe(201);
    const res = await f.client.post("/declared/flows/customer/events", {
      data: { type: "Private", value: 22, customer: "ann", items: [1, 2, 3] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "completed",
      output: {
        text: "ann lives on ann street",
        count: 3,
        doubled: [2, 4, 6],
        checked: { twenties: 22 },
      },
    });
    expect(flakyCalls).toBe(2);
  });

  it("fails the run with the Fail state's error when no rule matches (the spec's DefaultState)", async () => {
    f = await declaredFixture({ services: [shop] });
    await f.client.post("/declared/flows", { name: "customer", language: "asl", definition: machine });
    const res = await f.client.post("/declared/flows/customer/events", {
      data: { type: "Private", value: 50 },
    });
    expect(res.body).toMatchObject({
      status: "failed",
      error: { code: "TESSERA_CONFLICT", details: { statesError: "States.Fail", cause: "No Matches!" } },
    });
  });

  it("refuses what it does not run as field errors naming the JSON path, and unknown resources with 409", async () => {
    f = await declaredFixture({ services: [shop] });
    const heartbeat = await f.client.post("/declared/flows", {
      name: "hb",
      language: "asl",
      definition: {
        StartAt: "A",
        States: { A: { Type: "Task", Resource: "shop.double", HeartbeatSeconds: 5, End: true } },
      },
    });
    expect(heartbeat.status).toBe(400);
    expect(heartbeat.body).toMatchObject({
      error: { details: { fields: { "definition.States.A.HeartbeatSeconds": [expect.any(String)] } } },
    });
    const unknownFn = await f.client.post("/declared/flows", {
      name: "fn",
      language: "asl",
      definition: {
        StartAt: "A",
        States: { A: { Type: "Pass", Parameters: { "x.$": "States.Nope(1)" }, End: true } },
      },
    });
    expect(unknownFn.status).toBe(400);
    expect(
      Object.keys((unknownFn.body as { error: { details: { fields: object } } }).error.details.fields),
    ).toEqual(["definition.States.A.Parameters.x.$"]);
    const unknown = await f.client.post("/declared/flows", {
      name: "nope",
      language: "asl",
      definition: { StartAt: "A", States: { A: { Type: "Task", Resource: "nothing", End: true } } },
    });
    expect(unknown.status).toBe(409);
    expect(unknown.body).toMatchObject({
      error: {
        details: { services: ["nothing"], fields: { "definition.States.A.Resource": [expect.any(String)] } },
      },
    });
    const other = await f.client.post("/declared/flows", { name: "x", language: "bpmn", definition: {} });
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ error: { details: { fields: { language: [expect.any(String)] } } } });
  });

  it("draws a States Language flow with the declared flows' diagrams", async () => {
    f = await declaredFixture({ services: [shop] });
    await f.client.post("/declared/flows", { name: "customer", language: "asl", definition: machine });
    const res = await f.client.get("/flows/customer/diagram.mmd");
    expect(res.status).toBe(200);
    const text = String(res.text ?? res.body);
    for (const state of [
      "ChoiceStateX",
      "ValueInTwenties",
      "LookupAddress",
      "LookupPhone",
      "Double",
      "Summary",
    ])
      expect(text).toContain(state);
  });
});

describe("the README's States Language example", () => {
  it("upper-cases every message through text.upper and counts them", async () => {
    const f = await declaredFixture();
    try {
      const readme = (await import("node:fs")).readFileSync(
        new URL("../../../../README.md", import.meta.url),
        "utf8",
      );
      const section = readme.slice(readme.indexOf("### Amazon States Language"));
      const body = section.slice(section.indexOf("-d '{") + 4, section.indexOf("}'\n") + 1);
      expect((await f.client.post("/declared/flows", JSON.parse(body))).status).toBe(201);
      const res = await f.client.post("/declared/flows/shout-all/events", { data: { messages: ["a", "b"] } });
      expect(res.body).toMatchObject({ status: "completed", output: { count: 2, shouted: ["A", "B"] } });
    } finally {
      await f.stop();
    }
  });
});
