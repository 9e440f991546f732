import { describe, expect, it } from "vitest";
import { order } from "../../../examples/guide/declared-order.js";
import { checkDefinition, type ServiceShape } from "../../../src/features/declared-flows/check-definition.js";
import { parseDefinition } from "../../../src/features/declared-flows/parse-definition.js";

const registry: Record<string, ServiceShape> = {
  upper: { inputs: [{ name: "message", type: "string" }], outputs: [{ name: "message", type: "string" }] },
  reverse: { inputs: [{ name: "message", type: "string" }], outputs: [{ name: "message", type: "string" }] },
  spaces: { inputs: [{ name: "message", type: "string" }], outputs: [{ name: "count", type: "int" }] },
  price: { inputs: [{ name: "amount", type: "number" }], outputs: [{ name: "total", type: "number" }] },
  repeat: {
    inputs: [
      { name: "message", type: "string" },
      { name: "times", type: "int" },
    ],
    outputs: [{ name: "message", type: "string" }],
  },
  anything: { inputs: [], outputs: undefined },
};
const message = [{ name: "message", type: "string" }];

/** The problems of a definition: its shape first, then the checks against the registry. */
function problems(doc: Record<string, unknown>) {
  const parsed = parseDefinition(doc);
  if (!parsed.ok) return parsed.errors;
  const stepsPath = Array.isArray(doc.services) ? "services" : "steps";
  return checkDefinition(parsed.definition, (n) => registry[n], stepsPath).errors;
}

describe("definition validation", () => {
  it("accepts a sound definition, in machinery's form and with steps", () => {
    expect(problems({ name: "a", services: ["upper", "spaces"], inputs: message })).toEqual({});
    expect(
      problems({
        name: "b",
        inputs: message,
        outputs: [{ name: "count", type: "int" }],
        steps: [{ service: "upper" }, { id: "n", service: "spaces" }],
      }),
    ).toEqual({});
  });

  it("accepts the README's example", () => {
    expect(problems({ ...order, steps: [...order.steps] })).toEqual({});
  });

  it("reports the shape field by field", () => {
    expect(problems({ services: "upper", inputs: {}, extra: true })).toEqual({
      extra: ["Unknown field."],
      name: ["Missing data for required field."],
      inputs: ["Not a valid list."],
      services: ["Not a valid list."],
    });
    expect(problems({ name: "bad name!", services: [] })).toEqual({
      name: ['Must be up to 100 letters, digits, "_" or "-", starting with a letter (and not "runs").'],
      services: ["Give at least one service."],
    });
    expect(
      problems({ name: "x", inputs: [{ name: "n", type: "float" }, { type: "int" }], services: ["upper"] }),
    ).toEqual({
      "inputs.0.type": ["Must be one of: string, int, number, boolean, object, array."],
      "inputs.1.name": ["Missing data for required field."],
    });
    expect(problems({ name: "x", services: ["upper"], steps: [] })).toEqual({
      services: ['Give "services" or "steps", not both.'],
    });
  });

  it("reports malformed steps under their path", () => {
    expect(
      problems({
        name: "x",
        steps: [
          { id: "a", type: "teleport" },
          { id: "b", service: "upper", retry: { attempts: 0 }, timeout: "soon", colour: "red" },
          { id: "b", type: "wait" },
          { type: "choice", choices: [{ when: { field: "n", gt: "3" }, next: "a" }] },
          { type: "parallel", branches: [[{ service: "upper" }]] },
        ],
      }),
    ).toEqual({
      "steps.0.type": ["Must be one of: call, choice, parallel, wait, succeed, fail."],
      "steps.1.colour": ["Unknown field."],
      "steps.1.retry.attempts": ["Must be an integer from 1 to 20."],
      "steps.1.timeout": ['Not a valid duration: give milliseconds or "500ms", "10s", "5m", "2h", "1d".'],
      "steps.2.id": ['Duplicate step id "b".'],
      "steps.2": ['Give "duration" or "signal" (one of them).'],
      "steps.3.choices.0.when.gt": ["Not a valid number."],
      "steps.4.branches": ["Give at least two branches."],
    });
  });

  it("reports unknown services", () => {
    expect(problems({ name: "x", services: ["upper", "nope"], inputs: message })).toEqual({
      "services.1.service": ['Unknown service "nope".'],
    });
    const parsed = parseDefinition({ name: "x", services: ["nope", "upper", "gone"], inputs: message });
    if (!parsed.ok) throw new Error("shape");
    expect(checkDefinition(parsed.definition, (n) => registry[n]).unknownServices).toEqual(["nope", "gone"]);
  });

  it("reports unreachable steps", () => {
    expect(
      problems({
        name: "x",
        inputs: message,
        steps: [
          { id: "a", service: "upper", next: "end" },
          { id: "lost", service: "spaces" },
        ],
      }),
    ).toEqual({ "steps.1": ['Step "lost" is unreachable.'] });
    expect(
      problems({
        name: "x",
        inputs: message,
        steps: [
          { id: "stop", type: "fail" },
          { id: "after", service: "upper" },
        ],
      }),
    ).toEqual({ "steps.1": ['Step "after" is unreachable.'] });
  });

  it("reports jumps to no step, and jumps out of a branch", () => {
    expect(
      problems({
        name: "x",
        inputs: message,
        steps: [
          { id: "a", service: "upper", catch: { next: "nowhere" } },
          {
            id: "p",
            type: "parallel",
            branches: [[{ id: "b1", service: "upper", next: "a" }], [{ id: "b2", service: "spaces" }]],
          },
        ],
      }),
    ).toEqual({
      "steps.0.catch.next": ['No step "nowhere".'],
      "steps.1.branches.0.0.next": ['Step "a" is in another sequence: a jump stays in its own.'],
    });
  });

  it("reports a step input that no flow input or earlier step provides", () => {
    expect(problems({ name: "x", inputs: [{ name: "text", type: "string" }], services: ["upper"] })).toEqual({
      "services.0.input.message": ['No flow input or earlier step provides "message".'],
    });
    // Provided on one way of a choice only: missing on the other.
    expect(
      problems({
        name: "x",
        inputs: [{ name: "text", type: "string" }],
        steps: [
          {
            id: "pick",
            type: "choice",
            choices: [{ when: { field: "text", equals: "" }, next: "fill" }],
            default: "use",
          },
          { id: "fill", service: "upper", input: { message: { value: "default" } } },
          { id: "use", service: "spaces" },
        ],
      }),
    ).toEqual({ "steps.2.input.message": ['No flow input or earlier step provides "message".'] });
    // A mapping from a field nobody provides, and a mapped field the service does not take.
    expect(
      problems({
        name: "x",
        inputs: message,
        steps: [{ service: "upper", input: { message: "title", colour: "message" } }],
      }),
    ).toEqual({
      "steps.0.input.message": ['No flow input or earlier step provides "title".'],
      "steps.0.input.colour": ['Service "upper" takes no input "colour".'],
    });
    // The flow's outputs too.
    expect(
      problems({
        name: "x",
        inputs: message,
        outputs: [{ name: "total", type: "number" }],
        services: ["upper"],
      }),
    ).toEqual({
      "outputs.0": ['No flow input or earlier step provides "total".'],
    });
  });

  it("reports type mismatches", () => {
    expect(problems({ name: "x", inputs: [{ name: "message", type: "int" }], services: ["upper"] })).toEqual({
      "services.0.input.message": ['"message" is int here but service "upper" takes string.'],
    });
    expect(
      problems({
        name: "x",
        inputs: message,
        steps: [{ service: "spaces" }, { service: "repeat", input: { times: "count" } }],
      }),
    ).toEqual({});
    expect(
      problems({
        name: "x",
        inputs: message,
        steps: [{ service: "spaces" }, { service: "price", input: { amount: "message" } }],
      }),
    ).toEqual({ "steps.1.input.amount": ['"message" is string here but service "price" takes number.'] });
    expect(
      problems({
        name: "x",
        inputs: message,
        steps: [{ service: "repeat", input: { times: { value: 2.5 } } }],
      }),
    ).toEqual({
      "steps.0.input.times": ['The value is number but service "repeat" takes int.'],
    });
    expect(
      problems({
        name: "x",
        inputs: message,
        outputs: [{ name: "message", type: "boolean" }],
        services: ["upper"],
      }),
    ).toEqual({
      "outputs.0": ['"message" is string here but the flow\'s output "message" takes boolean.'],
    });
  });

  it("lets a result of unknown shape provide anything", () => {
    expect(
      problems({
        name: "x",
        inputs: [{ name: "n", type: "int" }],
        steps: [{ service: "anything" }, { service: "upper" }],
      }),
    ).toEqual({});
  });

  it("refuses __proto__ as a field name, an `into` or a `catch.as` (setting it would replace the data's prototype)", () => {
    // Keys named "__proto__" only as JSON.parse makes them (an object literal would set the prototype).
    const mapped = JSON.parse(
      '{"id":"b","service":"spaces","input":{"__proto__":"message"},"output":{"__proto__":"count"}}',
    ) as Record<string, unknown>;
    expect(
      problems({
        name: "x",
        inputs: [{ name: "__proto__", type: "object" }],
        steps: [{ id: "a", service: "upper", into: "__proto__", catch: { as: "__proto__" } }, mapped],
      }),
    ).toEqual({
      "inputs.0.name": ['A field cannot be named "__proto__".'],
      "steps.0.into": ["Not a valid field name."],
      "steps.0.catch.as": ["Not a valid field name."],
      "steps.1.input.__proto__": ["Not a valid field name."],
      "steps.1.output.__proto__": ["Not a valid field name."],
    });
  });
});
