import { describe, expect, it } from "vitest";
import { parseDefinition } from "../../../src/features/declared-flows/parse-definition.js";

// What the zod reader of definitions keeps from the hand-written one it replaced: every problem of
// the document in one answer, a list given as a string reported once, ids settled in document order,
// and the definition stored with its keys in the same order.

const errorsOf = (doc: unknown) => {
  const parsed = parseDefinition(doc);
  if (parsed.ok) throw new Error("expected a refusal");
  return parsed.errors;
};

describe("the definition reader", () => {
  it("reports a duplicate id together with the other problems of the document", () => {
    expect(
      errorsOf({
        name: "x",
        steps: [
          { id: "a", service: "upper", retry: { attempts: 2.5 }, timeout: "soon" },
          { id: "a", service: "upper", input: { message: 5 }, into: "r", output: { n: "count" } },
          "nope",
          5,
        ],
      }),
    ).toEqual({
      "steps.0.retry.attempts": ["Must be an integer from 1 to 20."],
      "steps.0.timeout": ['Not a valid duration: give milliseconds or "500ms", "10s", "5m", "2h", "1d".'],
      "steps.1.id": ['Duplicate step id "a".'],
      "steps.1.input.message": ['Give a field path ("order.id") or {"value": …}.'],
      "steps.1.into": ['Give "into" or "output", not both.'],
      "steps.3": ["Not a valid mapping type."],
    });
  });

  it("reports a list given as a string once", () => {
    expect(errorsOf({ name: "x", steps: "upper" })).toEqual({ steps: ["Not a valid list."] });
    expect(errorsOf({ name: "x", services: "" })).toEqual({ services: ["Not a valid list."] });
    expect(errorsOf({ name: "x", steps: [{ type: "parallel", branches: "ab" }] })).toEqual({
      "steps.0.branches": ["Not a valid list."],
    });
    expect(errorsOf({ name: "x", steps: [{ type: "parallel", branches: ["a", ["b"]] }] })).toEqual({
      "steps.0.branches.0": ["Not a valid list."],
    });
  });

  it("reads a step with a null type and a service as a call, and without a service as missing its type", () => {
    expect(errorsOf({ name: "x", steps: [{ type: null, service: "upper" }, { type: null }] })).toEqual({
      "steps.1.type": ["Missing data for required field."],
    });
  });

  it("settles ids in document order: given, the service's name, or the type and position, made unique", () => {
    const parsed = parseDefinition({
      name: "x",
      steps: [
        "upper",
        { service: "upper" },
        { service: "not an id" },
        {
          type: "parallel",
          branches: [[{ type: "wait", duration: "1s" }], [{ id: "upper-3", service: "spaces" }, "upper"]],
        },
        { type: "succeed" },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const ids = (steps: readonly { id: string; branches?: readonly { id: string }[][] }[]): unknown[] =>
      steps.map((s) => (s.branches === undefined ? s.id : [s.id, s.branches.map((b) => ids(b))]));
    expect(ids(parsed.definition.steps as never)).toEqual([
      "upper",
      "upper-2",
      "call-3",
      ["parallel-4", [["wait-1"], ["upper-3", "upper-4"]]],
      "succeed-5",
    ]);
    // An id given after a step took it by default is a duplicate.
    expect(errorsOf({ name: "x", steps: ["upper", { id: "upper", service: "spaces" }] })).toEqual({
      "steps.1.id": ['Duplicate step id "upper".'],
    });
  });

  it("gives the definition its keys in the order it is stored and served", () => {
    const parsed = parseDefinition({
      steps: [
        {
          next: "end",
          compensate: { input: { m: "message" }, service: "refund", note: "dropped" },
          catch: { as: "err", next: "end" },
          timeout: "5s",
          retry: { backoff: 2, delay: "1s", attempts: 3 },
          input: { message: "text", times: { value: 2 } },
          service: "repeat",
          id: "r",
        },
        {
          default: "end",
          choices: [{ next: "end", when: { is: "ok", outcome: "r" }, note: "dropped" }],
          type: "choice",
        },
      ],
      outputs: [{ required: false, description: "d", type: "string", name: "message" }],
      inputs: [{ required: true, type: "string", name: "text" }],
      description: "d",
      name: "x",
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(JSON.stringify(parsed.definition)).toBe(
      JSON.stringify({
        name: "x",
        description: "d",
        inputs: [{ name: "text", type: "string" }],
        outputs: [{ name: "message", type: "string", description: "d", required: false }],
        steps: [
          {
            id: "r",
            type: "call",
            service: "repeat",
            input: { message: "text", times: { value: 2 } },
            retry: { attempts: 3, delay: "1s", backoff: 2 },
            timeout: "5s",
            catch: { next: "end", as: "err" },
            compensate: { service: "refund", input: { m: "message" } },
            next: "end",
          },
          {
            id: "choice-2",
            type: "choice",
            choices: [{ when: { outcome: "r", is: "ok" }, next: "end" }],
            default: "end",
          },
        ],
      }),
    );
  });
});
