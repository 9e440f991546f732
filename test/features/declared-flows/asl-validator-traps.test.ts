// Found by the gateway fuzz (issue 19, test/e2e/gateway-fuzz.e2e.test.ts): POST /declared/flows of
// a States Language machine with a key named like a machine's part in a state's data (a Pass
// state's `Result: {"Branches": 3}`) answered 400 with asl-validator's TypeError in the field
// error: "The validator could not read it (parallelBranches.forEach is not a function)". The
// validator searches `$..Branches`, `$..States`, `$..Iterator`, `$..Parameters` anywhere and
// throws on what it cannot read. Now such a key is a field error at its path saying what the
// validator takes it for, and a throw of the validator is never shown.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDefinition } from "../../../src/features/declared-flows/parse-definition.js";
import { declaredFixture } from "./fixture.js";
import { anyJson, definitionLike } from "./json-arbitraries.js";

const pass = (data: Record<string, unknown>) => ({
  name: "m",
  language: "asl",
  definition: { StartAt: "A", States: { A: { Type: "Pass", Result: data, End: true } } },
});

/** What a JavaScript error says, never a field error's words. */
const rawError = /is not a function|Cannot read|Cannot use|Cannot create|Cannot convert|could not check/;

const messagesOf = (read: ReturnType<typeof parseDefinition>) =>
  read.ok ? [] : Object.values(read.errors).flat();

describe("keys asl-validator reads anywhere in a States Language machine", () => {
  it.each([
    ["Branches", 3, "a list of state machines"],
    ["Branches", [{ StartAt: "x" }], "a list of state machines"],
    ["States", { a: 1 }, "a mapping of states"],
    ["States", "x", "a mapping of states"],
    ["Iterator", { States: null }, "a state machine"],
    ["Parameters", null, "a value other than null"],
    ["ResultSelector", null, "a value other than null"],
  ])(
    "a Pass state's data with %s: %j is a field error at its path, not the validator's TypeError",
    (key, value, what) => {
      const read = parseDefinition(pass({ [key]: value }));
      expect(read.ok).toBe(false);
      expect(read.ok ? undefined : read.errors).toEqual({
        [`definition.States.A.Result.${key}`]: [
          `asl-validator reads every "${key}" key as a state machine's, even in a state's data: it must hold ${what}.`,
        ],
      });
    },
  );

  it.each(["States", "Branches", "Iterator"])(
    "a state named %s is refused at its path (the validator threw on it)",
    (name) => {
      const read = parseDefinition({
        name: "m",
        language: "asl",
        definition: { StartAt: "A", States: { A: { Type: "Succeed" }, [name]: {} } },
      });
      expect(read.ok ? undefined : read.errors).toMatchObject({
        [`definition.States.${name}`]: [
          `A state cannot be named "${name}": asl-validator reads every "${name}" key as a state machine's.`,
        ],
      });
    },
  );

  it("data with such keys holding what the validator reads is taken as it was", () => {
    const machine = { StartAt: "B", States: { B: { Type: "Pass", End: true } } };
    expect(parseDefinition(pass({ Branches: [machine], Parameters: { a: 1 }, note: "x" })).ok).toBe(true);
  });

  it("POST /declared/flows answers 400 naming the key, with no JavaScript error in it", async () => {
    const f = await declaredFixture();
    try {
      const res = await f.client.post("/declared/flows", pass({ Branches: 3 }));
      expect(res.status).toBe(400);
      expect(res.text).not.toMatch(rawError);
      expect(res.body).toMatchObject({
        error: { details: { fields: { "definition.States.A.Result.Branches": [expect.any(String)] } } },
      });
    } finally {
      await f.stop();
    }
  });

  it("no States Language document, such keys put anywhere, gets a JavaScript error's words", () => {
    const trap = fc.tuple(
      fc.constantFrom("Branches", "States", "Iterator", "Parameters", "ResultSelector"),
      anyJson,
    );
    const asl = definitionLike.filter(
      (d): d is { language: string; definition: Record<string, unknown> } =>
        typeof d === "object" && d !== null && (d as { language?: unknown }).language === "asl",
    );
    fc.assert(
      fc.property(asl, fc.array(fc.tuple(trap, fc.nat()), { maxLength: 3 }), (doc, traps) => {
        const copy = structuredClone(doc);
        for (const [[key, value], at] of traps) {
          const nodes: Record<string, unknown>[] = [];
          const walk = (v: unknown) => {
            if (v === null || typeof v !== "object") return;
            if (!Array.isArray(v)) nodes.push(v as Record<string, unknown>);
            for (const c of Object.values(v)) walk(c);
          };
          walk(copy.definition);
          const node = nodes[at % Math.max(nodes.length, 1)];
          if (node !== undefined)
            Object.defineProperty(node, key, { value, enumerable: true, configurable: true, writable: true });
        }
        for (const m of messagesOf(parseDefinition(copy))) expect(m).not.toMatch(rawError);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
  });
});
