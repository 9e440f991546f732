import { describe, expect, it } from "vitest";
import { parseDefinition } from "../../../src/features/declared-flows/parse-definition.js";
import { declaredGraph } from "../../../src/features/diagrams/declared-graph.js";
import { layout, type Placed, type Point } from "../../../src/features/diagrams/layout.js";
import { toSvg } from "../../../src/features/diagrams/svg.js";
import { orderDefinition } from "./order-definition.js";

/** Polls a job until it is done: a choice whose default waits and jumps back to the poll (a loop). */
function pollDefinition() {
  const parsed = parseDefinition({
    name: "poll-until-ready",
    inputs: [{ name: "id", type: "string" }],
    steps: [
      { id: "submit", service: "jobs" },
      { id: "poll", service: "status" },
      {
        id: "ready",
        type: "choice",
        choices: [
          { when: { field: "state", equals: "done" }, next: "fetch" },
          { when: { field: "state", equals: "failed" }, next: "report" },
        ],
        default: "pause",
      },
      { id: "pause", type: "wait", duration: "5s", next: "poll" },
      { id: "fetch", service: "results", next: "end" },
      { id: "report", type: "fail", message: "job failed" },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.definition;
}

/** Whether the segment a→b passes through the inside of p's box (sampled every pixel or so). */
function crosses(a: Point, b: Point, p: Placed): boolean {
  const steps = Math.max(2, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y)));
  for (let i = 0; i <= steps; i++) {
    const x = a.x + ((b.x - a.x) * i) / steps;
    const y = a.y + ((b.y - a.y) * i) / steps;
    if (Math.abs(x - p.x) < p.w / 2 - 1 && Math.abs(y - p.y) < p.h / 2 - 1) return true;
  }
  return false;
}

describe("diagram layout", () => {
  it("puts the branches of a fork and of a choice side by side", () => {
    const { placed } = layout(declaredGraph(orderDefinition()));
    const flip = placed.get("flip")!;
    const count = placed.get("count")!;
    expect(flip.layer).toBe(count.layer);
    expect(Math.abs(flip.x - count.x)).toBeGreaterThanOrEqual((flip.w + count.w) / 2);
    // The choice's two targets do not stand on one line under it.
    expect(placed.get("both")!.x).not.toBe(placed.get("apologise")!.x);
  });

  it("draws a loop as a back edge around the nodes, not a straight line through them", () => {
    const graph = declaredGraph(pollDefinition());
    const { placed, edges } = layout(graph);
    const loop = edges.find((e) => e.edge.from === "pause" && e.edge.to === "poll")!;
    const pause = placed.get("pause")!;
    const poll = placed.get("poll")!;
    // It goes back up: from a lower rank to a higher one.
    expect(pause.layer).toBeGreaterThan(poll.layer);
    const [first, ...rest] = loop.points;
    const last = rest[rest.length - 1]!;
    expect(first!.y).toBeGreaterThan(last.y);
    // Not a straight line: some point stands off the line from its first point to its last.
    const off = (p: Point) =>
      Math.abs((last.x - first!.x) * (p.y - first!.y) - (last.y - first!.y) * (p.x - first!.x)) /
      Math.hypot(last.x - first!.x, last.y - first!.y);
    expect(Math.max(...loop.points.map(off))).toBeGreaterThan(5);
    // And through no other node.
    for (const p of placed.values()) {
      if (p.node.id === "pause" || p.node.id === "poll") continue;
      loop.points.slice(1).forEach((b, i) => {
        expect(crosses(loop.points[i]!, b, p), `through ${p.node.id}`).toBe(false);
      });
    }
    // The SVG draws it as a curve.
    const svg = toSvg(graph);
    expect(svg.match(/class="edge"/g)).toHaveLength(graph.edges.length);
    expect(svg).toMatch(/<path class="edge" d="M [^"]* C [^"]*"/);
  });

  it("no edge of a flow runs through a node it does not join", () => {
    for (const def of [orderDefinition(), pollDefinition()]) {
      const { placed, edges } = layout(declaredGraph(def));
      for (const { edge, points } of edges) {
        for (const p of placed.values()) {
          if (p.node.id === edge.from || p.node.id === edge.to) continue;
          points.slice(1).forEach((b, i) => {
            expect(crosses(points[i]!, b, p), `${edge.from}→${edge.to} through ${p.node.id}`).toBe(false);
          });
        }
      }
    }
  });
});
