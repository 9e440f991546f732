// Issue 16 follow-up, item 1: one definition froze the node. `POST /w` with 100,000 services never
// answered (ids settled in quadratic time), 10,000 answered 500 (the loop search recursed once per
// step: "Maximum call stack size exceeded"), 5,000 full-form steps too. Definitions are now bounded
// (steps, list items, fields, nesting), refused as field errors before any costly check, and the
// checks that remain are iterative.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Step } from "../../../src/features/declared-flows/definition.js";
import { definitionLimits } from "../../../src/features/declared-flows/definition-size.js";
import { reportEndlessLoops } from "../../../src/features/declared-flows/endless-loops.js";
import { ErrorSink } from "../../../src/features/declared-flows/field-errors.js";
import { settleStepIds } from "../../../src/features/declared-flows/step-ids.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

const json = { "content-type": "application/json" };
const inputs = [{ name: "message", type: "string" }];

/** A time bound far above what is measured (printed), only there to catch a freeze. */
const FREEZE_MS = 5000;

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await f();
  console.log(`${what}: ${(performance.now() - t).toFixed(1)} ms`);
  return r;
}

describe("a definition too large is refused as a field error, and the node keeps answering", () => {
  let f: DeclaredFixture;
  beforeAll(async () => {
    f = await declaredFixture();
  });
  afterAll(() => f.stop());
  const post = (path: string, body: unknown) =>
    f.client.post(path, undefined, { raw: JSON.stringify(body), headers: json });

  it("refuses machinery's /w with 100,000 services (it froze the node) under services, 409", async () => {
    const t = performance.now();
    const res = await timed("POST /w, 100,000 services", () =>
      post("/w", { name: "h", services: Array(100_000).fill("upper"), inputs }),
    );
    expect(performance.now() - t).toBeLessThan(FREEZE_MS);
    expect(res.status).toBe(409);
    expect((res.body as Record<string, string[]>).services).toContain(
      "A flow holds at most 1,000 steps, every branch's counted (this one 100,000).",
    );
    expect((await f.client.get("/healthcheck")).status).toBe(204);
  });

  it("refuses 15,000 services on /declared/flows (500 before) with 400 and the field", async () => {
    const res = await post("/declared/flows", { name: "h", services: Array(15_000).fill("upper"), inputs });
    expect(res.status).toBe(400);
    expect(
      Object.keys((res.body as { error: { details: { fields: object } } }).error.details.fields),
    ).toEqual(["services"]);
  });

  it("refuses a full-form definition of 5,000 steps (500 before) under steps", async () => {
    const steps = Array.from({ length: 5000 }, (_, i) => ({ id: `s${i}`, service: "upper" }));
    const res = await post("/declared/flows", { name: "h", inputs, steps });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("A flow holds at most 1,000 steps");
  });

  it("counts every branch's steps and States Language states, Map processors' included", async () => {
    const branch = Array.from({ length: 600 }, (_, i) => ({ id: `b${i}`, service: "upper" }));
    const steps = [
      { id: "p", type: "parallel", branches: [branch, branch.map((s) => ({ ...s, id: `c${s.id}` }))] },
    ];
    expect(JSON.stringify((await post("/declared/flows", { name: "h", inputs, steps })).body)).toContain(
      "(this one 1,201)",
    );
    const states = (n: number, p: string) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `${p}${i}`,
          i === n - 1 ? { Type: "Succeed" } : { Type: "Pass", Next: `${p}${i + 1}` },
        ]),
      );
    const definition = {
      StartAt: "M",
      States: { M: { Type: "Map", ItemProcessor: { StartAt: "A0", States: states(1000, "A") }, End: true } },
    };
    const res = await post("/declared/flows", { name: "m", language: "asl", definition });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('"definition.States":["A flow holds at most 1,000 steps');
  });

  it("refuses nesting deeper than the limit, and a list over the limit, at their paths", async () => {
    // Past the gateway's 256 levels (issue 19) the body is refused before the definition is read.
    const deepest = `${"[".repeat(100_000)}"x"${"]".repeat(100_000)}`;
    const body = (value: string) =>
      `{"name":"h","inputs":[{"name":"message","type":"string"}],"steps":[{"service":"upper","input":{"message":{"value":${value}}}}]}`;
    const refused = await f.client.post("/declared/flows", undefined, { raw: body(deepest), headers: json });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: { code: "TESSERA_BAD_REQUEST", details: { maxDepth: 256 } },
    });
    const deep = `${"[".repeat(200)}"x"${"]".repeat(200)}`;
    const res = await f.client.post("/declared/flows", undefined, { raw: body(deep), headers: json });
    expect(res.status).toBe(400);
    const fields = (res.body as { error: { details: { fields: Record<string, string[]> } } }).error.details
      .fields;
    expect(Object.values(fields).flat()).toContain(
      `Nested deeper than ${definitionLimits.depth} levels of objects and lists.`,
    );
    const many = Array.from({ length: 1001 }, (_, i) => i);
    const res2 = await post("/declared/flows", {
      name: "h",
      inputs,
      steps: [{ service: "upper", input: { message: { value: many } } }],
    });
    expect((res2.body as { error: { details: { fields: object } } }).error.details.fields).toEqual({
      "steps.0.input.message.value": ["A list holds at most 1,000 items (this one 1,001)."],
    });
  });

  it("refuses more choices in all than the limit (reading 15,000 took 100s of ms)", async () => {
    const steps = Array.from({ length: 100 }, (_, i) => ({
      id: `c${i}`,
      type: "choice",
      choices: Array.from({ length: 15 }, (_, k) => ({
        when: { field: "message", equals: `${k}` },
        next: "end",
      })),
    }));
    const res = await post("/declared/flows", { name: "h", inputs, steps });
    expect(JSON.stringify(res.body)).toContain("A flow holds at most 1,000 choices in all (this one 1,500).");
  });

  it("refuses more data fields than the limit (the type check copied them at every step)", async () => {
    const steps = Array.from({ length: 300 }, (_, i) => ({
      id: `s${i}`,
      service: "upper",
      output: { [`o${i}`]: "message" },
    }));
    const res = await post("/declared/flows", { name: "h", inputs, steps });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("A flow names at most 200 data fields");
  });

  it("checks the largest accepted definitions in tens of milliseconds (measured, printed)", async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `s${i}`);
    // Warm the readers once (the first request compiles them).
    await post("/w", { name: "warm", services: Array(1000).fill("upper"), inputs });
    const chain = await timed("POST /w, 1,000 services (accepted)", () =>
      post("/w", { name: "big", services: Array(1000).fill("upper"), inputs }),
    );
    expect(chain.status).toBe(201);
    const written = ids.map((id, i) => ({
      id,
      service: "upper",
      ...(i % 6 === 0 ? { output: { [`o${i}`]: "message" } } : {}),
    }));
    const fields = await timed("POST /declared/flows, 1,000 steps writing 167 fields (accepted)", () =>
      post("/declared/flows", { name: "fields", inputs, steps: written }),
    );
    expect(fields.status).toBe(201);
    // 500 choice steps of 2 choices each (1,000, the limit) and 500 calls, jumping about.
    const loops = ids.map((id, i) =>
      i % 2 === 1
        ? { id, service: "upper" }
        : {
            id,
            type: "choice",
            choices: [0, 1].map((k) => ({
              when: { field: "message", equals: `${k}` },
              next: ids[(i * 7 + k * 131) % 1000],
            })),
            default: ids[(i + 1) % 1000],
          },
    );
    const t = performance.now();
    const loop = await timed(
      "POST /declared/flows, 500 choice steps of 2 and 500 calls jumping about (refused: loops)",
      () => post("/declared/flows", { name: "loops", inputs, steps: loops }),
    );
    expect(performance.now() - t).toBeLessThan(FREEZE_MS);
    expect(loop.status).toBe(400);
  });
});

describe("the checks behind the limit are linear and iterative", () => {
  it("settles the ids of 100,000 steps of one service without counting up from 2 each time", () => {
    const t = performance.now();
    const { steps } = settleStepIds(Array(100_000).fill("upper"), ["services"]);
    console.log(`settleStepIds, 100,000 steps: ${(performance.now() - t).toFixed(1)} ms`);
    expect(performance.now() - t).toBeLessThan(FREEZE_MS);
    expect(steps.at(-1)?.id).toBe("upper-100000");
  });

  it("searches a chain of 20,000 steps for loops without overflowing the call stack", () => {
    const steps: Step[] = Array.from({ length: 20_000 }, (_, i) => ({
      id: `s${i}`,
      type: "call",
      service: "upper",
      ...(i === 19_999 ? { next: "s0" } : {}),
    })) as Step[];
    const sink = new ErrorSink();
    expect(() => reportEndlessLoops(steps, "steps", sink)).not.toThrow();
    expect(Object.keys(sink.errors)).toEqual(["steps.0"]);
  });
});
