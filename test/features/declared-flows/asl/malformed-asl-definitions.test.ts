// Issue 16 follow-up, item 2: a States Language definition whose States is not a mapping of
// mappings answered 500 on /declared/flows and on /w (asl-validator threw at validator.js:32, called
// from parse-asl.ts). Each is now a field error at its path, on both.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeclaredFixture, declaredFixture } from "../fixture.js";

const json = { "content-type": "application/json" };
const pass = { Type: "Pass", End: true };

/** The definitions, and the field each is refused under. */
const malformed: [string, unknown, string][] = [
  ["States a string", { StartAt: "A", States: "x" }, "definition.States"],
  ["States null", { StartAt: "A", States: null }, "definition.States"],
  ["a state a string", { StartAt: "A", States: { A: "x" } }, "definition.States.A"],
  ["a state null", { StartAt: "A", States: { A: null } }, "definition.States.A"],
  [
    "a Parallel branch whose States is a string",
    {
      StartAt: "P",
      States: { P: { Type: "Parallel", Branches: [{ StartAt: "B", States: "x" }], End: true } },
    },
    "definition.States.P.Branches.0.States",
  ],
  [
    "a Map ItemProcessor whose States holds a number",
    {
      StartAt: "M",
      States: { M: { Type: "Map", ItemProcessor: { StartAt: "B", States: { B: 7 } }, End: true } },
    },
    "definition.States.M.ItemProcessor.States.B",
  ],
  [
    "a Map Iterator that is not a mapping",
    { StartAt: "M", States: { M: { Type: "Map", Iterator: [pass], End: true } } },
    "definition.States.M.Iterator",
  ],
];

describe("a malformed States Language definition is a field error, never a 500", () => {
  let f: DeclaredFixture;
  beforeAll(async () => {
    f = await declaredFixture();
  });
  afterAll(() => f.stop());
  const post = (path: string, body: unknown) =>
    f.client.post(path, undefined, { raw: JSON.stringify(body), headers: json });

  it.each(malformed)(
    "refuses %s on /declared/flows (400) and /w (409) under its path",
    async (_, definition, path) => {
      const body = { name: "m1", language: "asl", definition };
      const d = await post("/declared/flows", body);
      expect(d.status).toBe(400);
      expect(
        Object.keys((d.body as { error: { details: { fields: object } } }).error.details.fields),
      ).toContain(path);
      const w = await post("/w", body);
      expect(w.status).toBe(409);
      expect(Object.keys(w.body as object)).toContain(path);
    },
  );

  it("answers a definition submitted again with the same verdict, validated once (timings printed)", async () => {
    const definition = {
      StartAt: "A",
      States: {
        A: { Type: "Pass", Next: "B" },
        B: { Type: "Choice", Choices: [{ Variable: "$.x", IsPresent: true, Next: "C" }], Default: "C" },
        C: pass,
      },
    };
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const res = await post("/declared/flows", { name: "again", language: "asl", definition });
      times.push(performance.now() - t);
      expect(res.status).toBe(i === 0 ? 201 : 200);
    }
    const bad = { StartAt: "A", States: { A: { Type: "Pass", Next: "Nowhere" } } };
    const first = await post("/declared/flows", { name: "bad", language: "asl", definition: bad });
    const second = await post("/declared/flows", { name: "bad", language: "asl", definition: bad });
    expect(first.status).toBe(400);
    expect(second.body).toMatchObject({
      error: { details: (first.body as { error: { details: object } }).error.details },
    });
    console.log(
      `POST /declared/flows, one States Language definition: ${times.map((t) => t.toFixed(1)).join(" ms, then ")} ms`,
    );
  });
});
