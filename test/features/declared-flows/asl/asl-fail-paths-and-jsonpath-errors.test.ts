// Issue 16 follow-up, items 6 and 7. A Fail state's CausePath / ErrorPath with an intrinsic call
// (allowed by AWS) was accepted, then every run failed "JSONPath … matched nothing": it is now
// evaluated. A JSONPath filter that jsonpath-plus refuses ended the run TESSERA_INTERNAL with a JS
// message: any JSONPath evaluation error is now States.Runtime (the run ends TESSERA_CONFLICT), and
// filters never run code.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryPath } from "../../../../src/features/declared-flows/asl/json-path.js";
import { type DeclaredFixture, declaredFixture } from "../fixture.js";

describe("a Fail state's ErrorPath and CausePath take intrinsic calls", () => {
  let f: DeclaredFixture;
  beforeAll(async () => {
    f = await declaredFixture();
  });
  afterAll(() => f.stop());

  it("fails the run with the error and cause the intrinsics make", async () => {
    const definition = {
      StartAt: "F",
      States: {
        F: {
          Type: "Fail",
          ErrorPath: "States.Format('Order.{}', $.kind)",
          CausePath: "States.Format('c={}', $.c)",
        },
      },
    };
    expect(
      (await f.client.post("/declared/flows", { name: "fails", language: "asl", definition })).status,
    ).toBe(201);
    const res = await f.client.post("/declared/flows/fails/events", { data: { kind: "Late", c: 7 } });
    expect(res.body).toMatchObject({
      status: "failed",
      error: { code: "TESSERA_CONFLICT", details: { statesError: "Order.Late", cause: "c=7" } },
    });
  });

  it("refuses an unknown intrinsic function or a malformed call there at submission", async () => {
    const definition = {
      StartAt: "F",
      States: { F: { Type: "Fail", CausePath: "States.Nope($.c)", ErrorPath: "States.Format('x'" } },
    };
    const res = await f.client.post("/declared/flows", { name: "bad", language: "asl", definition });
    expect(res.status).toBe(400);
    const fields = (res.body as { error: { details: { fields: Record<string, string[]> } } }).error.details
      .fields;
    expect(fields["definition.States.F.CausePath"]).toEqual(["Unknown intrinsic function States.Nope."]);
    expect(fields["definition.States.F.ErrorPath"]).toHaveLength(1);
  });

  it("ends a run whose JSONPath filter cannot be evaluated States.Runtime (TESSERA_CONFLICT), not internal", async () => {
    const definition = {
      StartAt: "P",
      States: {
        P: { Type: "Pass", Parameters: { "a.$": "$..[?(@.a.constructor.constructor)]" }, End: true },
      },
    };
    expect(
      (await f.client.post("/declared/flows", { name: "filter", language: "asl", definition })).status,
    ).toBe(201);
    const res = await f.client.post("/declared/flows/filter/events", { data: { a: { b: 1 } } });
    expect(res.body).toMatchObject({
      status: "failed",
      error: { code: "TESSERA_CONFLICT", details: { statesError: "States.Runtime" } },
    });
  });
});

describe("JSONPath filters run in jsonpath-plus's safe evaluator", () => {
  it("never runs code from a filter", () => {
    const g = globalThis as { pwned?: boolean };
    for (const path of [
      "$..[?(@.constructor.constructor('globalThis.pwned = true')())]",
      "$[?((function(){globalThis.pwned = true})())]",
      "$[?(eval('globalThis.pwned = true'))]",
    ]) {
      try {
        queryPath(path, { a: { b: 1 } }, () => ({}));
      } catch (err) {
        expect((err as { error?: string }).error ?? (err as Error).name).toMatch(/States\.Runtime|AslError/);
      }
    }
    expect(g.pwned).toBeUndefined();
  });

  it("still evaluates ordinary filters", () => {
    expect(queryPath("$.items[?(@.n > 1)].n", { items: [{ n: 1 }, { n: 2 }, { n: 3 }] }, () => ({}))).toEqual(
      [2, 3],
    );
  });
});
