import { describe, expect, it } from "vitest";
import { checkDefinition, type ServiceShape } from "../../../src/features/declared-flows/check-definition.js";
import { parseDefinition } from "../../../src/features/declared-flows/parse-definition.js";

// Issue 14, finding 4: a definition that passed validation could freeze the process (a choice that
// jumps to itself) or journal thousands of effects a second (a loop of calls with no way out).
// Such loops are refused when they are submitted.

const registry: Record<string, ServiceShape> = {
  status: { inputs: [{ name: "id", type: "string" }], outputs: [{ name: "state", type: "string" }] },
  ping: { inputs: [], outputs: [{ name: "pong", type: "boolean" }] },
};
const inputs = [
  { name: "v", type: "int" },
  { name: "id", type: "string" },
];

function problems(steps: unknown[]) {
  const parsed = parseDefinition({ name: "loop", inputs, steps });
  if (!parsed.ok) return parsed.errors;
  return checkDefinition(parsed.definition, (n) => registry[n]).errors;
}

describe("endless loops are refused when a definition is submitted", () => {
  it("refuses the issue's choice that jumps to itself", () => {
    expect(
      problems([{ id: "c", type: "choice", choices: [{ when: { field: "v", gt: 0 }, next: "c" }] }]),
    ).toEqual({
      "steps.0": [
        'The loop of steps "c" never ends once it goes round: its only ways out are choices on "v", which no step of the loop changes.',
      ],
    });
  });

  it("refuses a loop of calls with no way out", () => {
    expect(
      problems([
        { id: "a", service: "status" },
        { id: "b", service: "status", next: "a" },
      ]),
    ).toEqual({ "steps.0": ['The loop of steps "a", "b" has no way out.'] });
  });

  it("refuses a loop whose only way out reads data that its calls cannot change", () => {
    // ping's result goes to `pong` only: `v` stays what it was, so a run with v > 0 pings forever.
    expect(
      problems([
        { id: "p", service: "ping", output: { pong: "pong" } },
        { id: "c", type: "choice", choices: [{ when: { field: "v", gt: 0 }, next: "p" }], default: "end" },
      ]),
    ).toEqual({
      "steps.0": [
        'The loop of steps "p", "c" never ends once it goes round: its only ways out are choices on "v", which no step of the loop changes.',
      ],
    });
    // A timer changes nothing either.
    expect(
      problems([
        { id: "w", type: "wait", duration: "1h" },
        { id: "c", type: "choice", choices: [{ when: { field: "v", gt: 0 }, next: "w" }] },
      ]),
    ).toHaveProperty(["steps.0"]);
  });

  it("finds a choice-only loop inside a loop that can end", () => {
    expect(
      problems([
        { id: "poll", service: "status" },
        {
          id: "check",
          type: "choice",
          choices: [{ when: { field: "state", equals: "done" }, next: "end" }],
          default: "gate",
        },
        {
          id: "gate",
          type: "choice",
          choices: [{ when: { field: "v", gt: 0 }, next: "poll" }],
          default: "gate",
        },
      ]),
    ).toEqual({
      "steps.2": [
        'The loop of steps "gate" never ends once it goes round: its only ways out are choices on "v", which no step of the loop changes.',
      ],
    });
  });

  it("finds them in the branches of a parallel step", () => {
    expect(
      problems([
        {
          id: "both",
          type: "parallel",
          branches: [
            [{ id: "x", type: "choice", choices: [{ when: { field: "v", gt: 0 }, next: "x" }] }],
            [{ service: "status" }],
          ],
        },
      ]),
    ).toEqual({
      "steps.0.branches.0.0": [
        'The loop of steps "x" never ends once it goes round: its only ways out are choices on "v", which no step of the loop changes.',
      ],
    });
  });

  it("accepts loops that can end: polling, retrying on error, waiting for a signal", () => {
    // The call may change `state` (its result is merged), so the choice may decide otherwise.
    expect(
      problems([
        { id: "poll", service: "status" },
        {
          id: "check",
          type: "choice",
          choices: [{ when: { field: "state", equals: "done" }, next: "end" }],
          default: "pause",
        },
        { id: "pause", type: "wait", duration: "10s", next: "poll" },
      ]),
    ).toEqual({});
    // The same with the state mapped to a field of its own, and on the call's outcome.
    expect(
      problems([
        { id: "poll", service: "status", output: { s: "state" }, catch: { next: "poll" } },
        {
          id: "check",
          type: "choice",
          choices: [{ when: { field: "s", equals: "done" }, next: "end" }],
          default: "poll",
        },
      ]),
    ).toEqual({});
    expect(
      problems([
        { id: "poll", service: "ping", output: { pong: "pong" }, catch: { next: "check" } },
        { id: "check", type: "choice", choices: [{ when: { outcome: "poll", is: "error" }, next: "poll" }] },
      ]),
    ).toEqual({});
    expect(
      problems([
        { id: "w", type: "wait", signal: "more", fields: [{ name: "done", type: "boolean" }] },
        {
          id: "c",
          type: "choice",
          choices: [{ when: { field: "done", equals: true }, next: "end" }],
          default: "w",
        },
      ]),
    ).toEqual({});
  });

  it("refuses the issue's definition over both APIs with the problems per field", async () => {
    const { declaredFixture } = await import("./fixture.js");
    const f = await declaredFixture();
    try {
      const def = {
        name: "spin",
        inputs: [{ name: "v", type: "int" }],
        steps: [{ id: "c", type: "choice", choices: [{ when: { field: "v", gt: 0 }, next: "c" }] }],
      };
      const machinery = await f.client.post("/w", def);
      expect(machinery.status).toBe(409);
      expect(Object.keys(machinery.body as object)).toEqual(["steps.0"]);
      const own = await f.client.post("/declared/flows", def);
      expect(own.status).toBe(400);
      expect(own.body).toMatchObject({
        error: { code: "TESSERA_VALIDATION", details: { fields: { "steps.0": [expect.any(String)] } } },
      });
    } finally {
      await f.stop();
    }
  });
});
