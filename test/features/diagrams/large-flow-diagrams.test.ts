// Issue 16 follow-up, item 3: diagrams of accepted flows failed. A States Language chain of 2,000
// Pass states answered 500 on GET /flows/<name>/diagram.svg (dagre's acyclic overflowed the stack),
// 1,000 took 2.5 s, a steps flow of 4,000 steps answered 500. Every accepted flow now draws, or is
// refused as too large to draw (413, never 500), in bounded time, and its Mermaid text is served.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drawLimits } from "../../../src/features/diagrams/layout.js";
import { type DeclaredFixture, declaredFixture } from "../declared-flows/fixture.js";

const json = { "content-type": "application/json" };
const chain = (n: number) => ({
  StartAt: "S0",
  States: Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `S${i}`,
      i === n - 1 ? { Type: "Succeed" } : { Type: "Pass", Next: `S${i + 1}` },
    ]),
  ),
});

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await f();
  console.log(`${what}: ${(performance.now() - t).toFixed(1)} ms`);
  return r;
}

describe("every accepted flow draws or is refused as too large to draw, never 500", () => {
  let f: DeclaredFixture;
  beforeAll(async () => {
    f = await declaredFixture();
  });
  afterAll(() => f.stop());
  const post = (body: unknown) =>
    f.client.post("/declared/flows", undefined, { raw: JSON.stringify(body), headers: json });

  it("answers 413 for the largest accepted States Language chain (1,000 states), quickly, and serves its Mermaid text", async () => {
    expect((await post({ name: "big", language: "asl", definition: chain(1000) })).status).toBe(201);
    const t = performance.now();
    const svg = await timed("GET diagram.svg, 1,000 Pass states (refused)", () =>
      f.client.get("/flows/big/diagram.svg"),
    );
    expect(performance.now() - t).toBeLessThan(2000);
    expect(svg.status).toBe(413);
    expect(svg.text).toContain("too large to draw");
    const mmd = await timed("GET diagram.mmd, 1,000 Pass states", () =>
      f.client.get("/flows/big/diagram.mmd"),
    );
    expect(mmd.status).toBe(200);
    expect(mmd.text).toContain("S999");
  });

  it("answers 413 for the largest accepted steps flow (1,000 steps)", async () => {
    const steps = Array.from({ length: 1000 }, (_, i) => ({ id: `s${i}`, service: "upper" }));
    expect((await post({ name: "steps", inputs: [{ name: "message", type: "string" }], steps })).status).toBe(
      201,
    );
    expect((await f.client.get("/flows/steps/diagram.svg")).status).toBe(413);
  });

  it("draws the largest flow under the limit (timing printed)", async () => {
    // The chain's boxes: its states and the start and end marks.
    const n = drawLimits.boxes - 2;
    expect((await post({ name: "most", language: "asl", definition: chain(n) })).status).toBe(201);
    await f.client.get("/flows/most/diagram.svg");
    const svg = await timed(`GET diagram.svg, ${n} Pass states (drawn, second time)`, () =>
      f.client.get("/flows/most/diagram.svg"),
    );
    expect(svg.status).toBe(200);
    expect(svg.text).toContain(`S${n - 1}`);
  });

  it("draws a flow of loops back to its start near the span bound, refuses one over it (timings printed)", async () => {
    const loops = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        i % 2 === 0
          ? { id: `s${i}`, service: "upper", output: { message: "message" } }
          : {
              id: `s${i}`,
              type: "choice",
              choices: [{ when: { field: "message", equals: "x" }, next: "s0" }],
            },
      );
    const inputs = [{ name: "message", type: "string" }];
    expect((await post({ name: "loops", inputs, steps: loops(32) })).status).toBe(201);
    await f.client.get("/flows/loops/diagram.svg");
    const svg = await timed(
      "GET diagram.svg, 32 steps, 16 loops back to the start (drawn, second time)",
      () => f.client.get("/flows/loops/diagram.svg"),
    );
    expect(svg.status).toBe(200);
    expect((await post({ name: "more", inputs, steps: loops(80) })).status).toBe(201);
    const more = await timed("GET diagram.svg, 80 steps, 40 loops back to the start (refused)", () =>
      f.client.get("/flows/more/diagram.svg"),
    );
    expect(more.status).toBe(413);
    expect(more.text).toContain("jump");
  });
});
