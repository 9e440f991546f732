// Found by the gateway fuzz (issue 19, test/e2e/gateway-fuzz.e2e.test.ts): every States Language
// submission that was not seen before built a new Ajv in asl-validator and compiled its 15 schemas
// again, about 120 ms of CPU (1 to 2 s on a loaded machine) with the event loop standing still: a
// stream of distinct submissions made the node's other requests pass their deadline (504) and
// dropped connections. Now the schemas are compiled once, and the verdicts stay asl-validator's.
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  aslValidatorBuilds,
  validateAslMachine,
} from "../../../src/features/declared-flows/asl/asl-validator.js";
import { parseDefinition } from "../../../src/features/declared-flows/parse-definition.js";
import { definitionLike } from "./json-arbitraries.js";

const library = createRequire(import.meta.url)("asl-validator") as (
  d: unknown,
  o: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errors: unknown[] };

const machine = (i: number, state: Record<string, unknown> = {}) => ({
  StartAt: "A",
  States: { A: { Type: "Pass", Result: { n: i }, End: true, ...state } },
});

/** Machines the validator refuses, each for another reason. */
const refused: unknown[] = [
  machine(1, { OutputPath: "not a path" }),
  machine(2, { ResultPath: "$.a[0" }),
  machine(4, { Parameters: { "a.$": "not a path" } }),
  machine(3, { Next: "B" }),
  { StartAt: "A", States: { A: { Type: "Pass" } } },
  { StartAt: "A", States: { A: { Type: "Wait", Seconds: 1, Timestamp: "2020-01-01T00:00:00Z", End: true } } },
  { StartAt: "A", States: { A: { Type: "Map", End: true } } },
  {
    StartAt: "A",
    States: { A: { Type: "Pass", End: true, Output: "{% $x + %}" } },
    QueryLanguage: "JSONata",
  },
  {
    StartAt: "P",
    States: {
      P: {
        Type: "Parallel",
        Branches: [
          { StartAt: "A", States: { A: { Type: "Pass", End: true }, P: { Type: "Pass", End: true } } },
        ],
        End: true,
      },
    },
  },
];

const asl = (doc: unknown): doc is { language: "asl"; definition: Record<string, unknown> } =>
  typeof doc === "object" &&
  doc !== null &&
  (doc as { language?: unknown }).language === "asl" &&
  typeof (doc as { definition?: unknown }).definition === "object" &&
  (doc as { definition?: unknown }).definition !== null;

describe("asl-validator's schemas are compiled once", () => {
  it("a stream of distinct States Language submissions compiled asl-validator's schemas every time", () => {
    parseDefinition({ name: "warm", language: "asl", definition: machine(0) });
    const before = aslValidatorBuilds();
    for (let i = 1; i <= 50; i++) {
      const read = parseDefinition({ name: `m${i}`, language: "asl", definition: machine(i) });
      expect(read.ok).toBe(true);
    }
    for (const [i, definition] of refused.entries())
      expect(
        parseDefinition({ name: `r${i}`, language: "asl", definition }).ok,
        JSON.stringify(definition),
      ).toBe(false);
    // At most the first build, when nothing had compiled them before this test.
    expect(aslValidatorBuilds() - before).toBe(0);
    expect(aslValidatorBuilds()).toBe(1);
  });

  it("gives asl-validator's own verdicts, errors included", { timeout: 120_000 }, () => {
    const generated = fc
      .sample(definitionLike, { numRuns: 400, seed: 19 })
      .filter(asl)
      .map((d) => d.definition)
      .slice(0, 24);
    const corpus = [machine(9), ...refused, ...generated];
    expect(corpus.length).toBeGreaterThan(refused.length + 10);
    for (const m of corpus) {
      let own: unknown;
      let theirs: unknown;
      try {
        own = validateAslMachine(structuredClone(m));
      } catch (err) {
        own = { threw: (err as Error).message };
      }
      try {
        theirs = library(structuredClone(m), { checkPaths: true, checkArn: false });
      } catch (err) {
        theirs = { threw: (err as Error).message };
      }
      expect(JSON.parse(JSON.stringify(own)), JSON.stringify(m)).toEqual(JSON.parse(JSON.stringify(theirs)));
    }
  });
});
