import { afterEach, describe, expect, it } from "vitest";
import { palette } from "../../../src/features/diagrams/palette.js";
import { codedRunGraph } from "../../../src/features/diagrams/run-states.js";
import { toSvg } from "../../../src/features/diagrams/svg.js";
import type { JournalEntry, RunRecord } from "../../../src/ports/flow-store.js";
import { newRunRecord } from "../../../src/ports/run-record.js";
import { externalServices, field } from "../declared-flows/external-services.js";
import { type DeclaredFixture, declaredFixture } from "../declared-flows/fixture.js";

const ext = externalServices();

/** The Mermaid ids of the nodes in `state`, from a run's diagram text. */
function classed(mmd: string, state: string): string[] {
  const line = mmd.split("\n").find((l) => l.startsWith("  class ") && l.endsWith(` ${state}`));
  return line === undefined ? [] : line.slice("  class ".length, -state.length - 1).split(",");
}

/** The Mermaid id of the node whose first line is `label`. */
function idOf(mmd: string, label: string): string {
  const line = mmd.split("\n").find((l) => new RegExp(`^  n\\d+\\W+"${label}(<br/>|")`).test(l));
  if (line === undefined) throw new Error(`no node ${label} in\n${mmd}`);
  return line.trim().match(/^n\d+/)![0];
}

describe("a declared run's diagram tells how the run went (issue 14)", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });
  const register = ext.registrar(() => f.client);

  async function diagramOf(flow: string, data: Record<string, unknown>) {
    const run = await f.client.post(`/declared/flows/${flow}/events`, { data });
    const id = (run.body as { eventId: string }).eventId;
    const mmd = (await f.client.get(`/flows/runs/${id}/diagram.mmd`)).text;
    const svg = (await f.client.get(`/flows/runs/${id}/diagram.svg`)).text;
    return { run: run.body as { status: string }, mmd, svg };
  }

  it("the fail step that ended a run used to be drawn pending", async () => {
    f = await declaredFixture();
    await f.client.post("/declared/flows", {
      name: "picky",
      inputs: [field("message")],
      steps: [
        { id: "shout", service: "upper" },
        {
          id: "check",
          type: "choice",
          choices: [{ when: { field: "message", equals: "NO" }, next: "refuse" }],
          default: "other",
        },
        { id: "other", type: "fail", message: "something else" },
        { id: "refuse", type: "fail", message: "refused" },
      ],
    });
    const { run, mmd, svg } = await diagramOf("picky", { message: "no" });
    expect(run).toMatchObject({ status: "failed" });
    expect(classed(mmd, "failed")).toEqual([idOf(mmd, "refuse")]);
    expect(classed(mmd, "done")).toEqual(expect.arrayContaining([idOf(mmd, "shout"), idOf(mmd, "check")]));
    expect(classed(mmd, "pending")).toEqual([]);
    expect(svg).toMatch(/data-id="refuse" data-state="failed"/);
    expect(svg).toMatch(/data-id="other" data-state="pending"/);
  });

  it("a step whose compensation failed used to be drawn green (done)", async () => {
    f = await declaredFixture();
    await register("book", () => ({ json: { booking: "b-1" } }), [field("message")], [field("booking")]);
    await register("unbook", () => ({ status: 500, json: { message: "down" } }), [field("booking")], []);
    await register("hold", () => ({ json: {} }), [field("message")], []);
    await register("release", () => ({ json: {} }), [field("message")], []);
    await register("pay", () => ({ status: 402, json: { message: "no money" } }), [field("message")], []);
    await f.client.post("/declared/flows", {
      name: "trip",
      inputs: [field("message")],
      steps: [
        { id: "held", service: "hold", compensate: { service: "release" } },
        { id: "booked", service: "book", compensate: { service: "unbook" } },
        { id: "paid", service: "pay" },
      ],
    });
    const { run, mmd, svg } = await diagramOf("trip", { message: "x" });
    expect(["failed", "compensated"]).toContain(run.status);
    expect(classed(mmd, "uncompensated")).toEqual([idOf(mmd, "booked")]);
    expect(classed(mmd, "done")).not.toContain(idOf(mmd, "booked"));
    expect(classed(mmd, "failed")).toEqual([idOf(mmd, "paid")]);
    expect(mmd).toContain(
      `  classDef uncompensated fill:${palette.uncompensated.fill},stroke:${palette.uncompensated.stroke},stroke-width:2px`,
    );
    expect(svg).toMatch(/data-id="booked" data-state="uncompensated"/);
    // The legend lists the state.
    expect(svg).toMatch(/<g class="legend">.*>uncompensated<\/text>/s);
  });

  it("a run's diagram used to show no loop iterations", async () => {
    f = await declaredFixture();
    await register(
      "tick",
      (b) => ({ json: { n: Number(b.n) + 1 } }),
      [field("n", "int")],
      [field("n", "int")],
    );
    await f.client.post("/declared/flows", {
      name: "ticking",
      inputs: [field("n", "int")],
      steps: [
        { id: "step", service: "tick" },
        {
          id: "again",
          type: "choice",
          choices: [{ when: { field: "n", lt: 3 }, next: "step" }],
          default: "end",
        },
      ],
    });
    const { run, mmd, svg } = await diagramOf("ticking", { n: 0 });
    expect(run).toMatchObject({ status: "completed", output: { n: 3 } });
    expect(mmd).toContain('["step ×3<br/>call tick"]');
    expect(svg).toContain(">step ×3</text>");
    // Once through: no count; the attempts of a retried step are one pass, not a loop.
    let calls = 0;
    await register(
      "flaky",
      () => (++calls < 3 ? { status: 503, json: {} } : { json: {} }),
      [field("message")],
      [],
    );
    await f.client.post("/declared/flows", {
      name: "retrying",
      inputs: [field("message")],
      steps: [{ id: "try", service: "flaky", retry: { attempts: 3, delay: "10ms" } }],
    });
    const retried = await diagramOf("retrying", { message: "x" });
    expect(retried.run).toMatchObject({ status: "completed" });
    expect(calls).toBe(3);
    expect(retried.mmd).toContain('["try<br/>call flaky"]');
    const once = await diagramOf("ticking", { n: 2 });
    expect(once.mmd).toContain('["step<br/>call tick"]');
  });
  it("a choice in a loop read no ×n while the call beside it read call ×n (issue 14 follow-up, finding 6)", async () => {
    f = await declaredFixture();
    await register(
      "tick",
      (b) => ({ json: { n: Number(b.n) + 1 } }),
      [field("n", "int")],
      [field("n", "int")],
    );
    await f.client.post("/declared/flows", {
      name: "loopcalls",
      inputs: [field("n", "int")],
      steps: [
        { id: "call", service: "tick" },
        { id: "c", type: "choice", choices: [{ when: { field: "n", lt: 14 }, next: "call" }] },
      ],
    });
    const { run, mmd, svg } = await diagramOf("loopcalls", { n: 0 });
    expect(run).toMatchObject({ status: "completed", output: { n: 14 } });
    expect(mmd).toContain('["call ×14<br/>call tick"]');
    // The choice went 14 times: 13 back to the call, the last one on to the end.
    expect(mmd).toContain('{"c ×14"}');
    expect(svg).toContain(">c ×14</text>");
    // A choice passed once has no count.
    const once = await diagramOf("loopcalls", { n: 13 });
    expect(once.mmd).toContain('{"c"}');
  });

  it("a run that failed with TESSERA_FLOW_BUDGET was drawn all green (issue 14 follow-up, finding 6)", async () => {
    f = await declaredFixture();
    await register(
      "tick",
      (b) => ({ json: { n: Number(b.n) + 1 } }),
      [field("n", "int")],
      [field("n", "int")],
    );
    await f.client.post("/declared/flows", {
      name: "spinning",
      inputs: [field("n", "int")],
      budget: { stepsPerActivation: 40 },
      steps: [
        { id: "call", service: "tick" },
        { id: "c", type: "choice", choices: [{ when: { field: "n", lt: 1000 }, next: "call" }] },
      ],
    });
    const { run, mmd, svg } = await diagramOf("spinning", { n: 0 });
    expect(run).toMatchObject({ status: "failed", error: { code: "TESSERA_FLOW_BUDGET" } });
    // The end is drawn failed with the run's error, and the title says it.
    expect(classed(mmd, "failed")).toEqual([idOf(mmd, "end")]);
    expect(mmd).toContain('(["end<br/>TESSERA_FLOW_BUDGET"])');
    expect(svg).toMatch(/data-id="__end" data-state="failed"/);
    expect(svg).toContain("spinning — failed (TESSERA_FLOW_BUDGET)");
    // A run that completed keeps its end done, with no error.
    await f.client.post("/declared/flows", {
      name: "short",
      inputs: [field("n", "int")],
      steps: [{ id: "call", service: "tick" }],
    });
    const done = await diagramOf("short", { n: 0 });
    expect(classed(done.mmd, "failed")).toEqual([]);
    expect(done.svg).not.toContain("(TESSERA_");
  });
});

describe("a coded run's diagram tells how the run went (issue 14 follow-up, finding 6)", () => {
  it("a coded run that failed with TESSERA_FLOW_BUDGET was drawn all green", () => {
    const run: RunRecord = {
      ...newRunRecord({ id: "r1", flow: "spin", version: "1", input: {} }, 1, 1000),
      status: "failed",
      error: { code: "TESSERA_FLOW_BUDGET", message: "past its budget" },
    };
    const journal: JournalEntry[] = [1, 2, 3].map((seq) => ({
      seq,
      kind: "step",
      name: "again",
      state: "ok",
      value: 1,
      at: 1,
    }));
    const graph = codedRunGraph(undefined, run, journal);
    expect(graph.error).toBe("TESSERA_FLOW_BUDGET");
    expect(graph.nodes.find((n) => n.kind === "end")).toMatchObject({
      state: "failed",
      detail: "TESSERA_FLOW_BUDGET",
    });
    expect(graph.nodes.filter((n) => n.kind === "step").map((n) => [n.label, n.state])).toEqual([
      ["again ×3", "done"],
    ]);
    expect(toSvg(graph)).toContain("spin — failed (TESSERA_FLOW_BUDGET)");
  });

  it("the SVG of a coded run that looped 10,000 times until its budget answered 500 (dagre ran out of stack on 10,000 nodes)", () => {
    const run: RunRecord = {
      ...newRunRecord({ id: "r2", flow: "loop", version: "1", input: {} }, 1, 1000),
      status: "failed",
      error: { code: "TESSERA_FLOW_BUDGET", message: "past its budget" },
    };
    const entry = (seq: number, name: string): JournalEntry => ({
      seq,
      kind: "step",
      name,
      state: "ok",
      value: 1,
      at: 1,
    });
    // The same step back to back: one node.
    const same = codedRunGraph(
      undefined,
      run,
      Array.from({ length: 10_000 }, (_, i) => entry(i + 1, "s")),
    );
    expect(same.nodes.filter((n) => n.kind === "step").map((n) => n.label)).toEqual(["s ×10000"]);
    expect(toSvg(same)).toContain("s ×10000");
    // Two steps in turn: the first and last stay around a node that counts those left out.
    const turns = codedRunGraph(
      undefined,
      run,
      Array.from({ length: 10_000 }, (_, i) => entry(i + 1, i % 2 === 0 ? "a" : "b")),
    );
    const steps = turns.nodes.filter((n) => n.kind === "step");
    expect(steps).toHaveLength(201);
    expect(steps[100]).toMatchObject({ label: "… 9800 more" });
    expect(toSvg(turns)).toContain("9800 more");
  });
});
