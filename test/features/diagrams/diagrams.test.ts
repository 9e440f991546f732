import { describe, expect, it } from "vitest";
import { bookTrip, textPipeline } from "../../../examples/text/flows.js";
import { codedGraph } from "../../../src/features/diagrams/coded-graph.js";
import { declaredGraph } from "../../../src/features/diagrams/declared-graph.js";
import { toMermaid } from "../../../src/features/diagrams/mermaid.js";
import { toSvg } from "../../../src/features/diagrams/svg.js";
import { orderDefinition } from "./order-definition.js";

describe("diagrams", () => {
  it("draw a declared flow from its definition: steps, choices with their conditions, branches and their join", () => {
    const g = declaredGraph(orderDefinition());
    expect(g.nodes.map((n) => [n.id, n.kind])).toEqual([
      ["__start", "start"],
      ["shout", "call"],
      ["route", "choice"],
      ["both", "parallel"],
      ["flip", "call"],
      ["count", "call"],
      ["both__join", "join"],
      ["apologise", "fail"],
      ["__end", "end"],
    ]);
    expect(g.edges).toEqual([
      { from: "__start", to: "shout" },
      { from: "shout", to: "route" },
      { from: "shout", to: "apologise", label: "on error" },
      { from: "route", to: "both", label: "shout is ok" },
      { from: "route", to: "apologise", label: "otherwise" },
      { from: "both", to: "flip" },
      { from: "flip", to: "both__join" },
      { from: "both", to: "count" },
      { from: "count", to: "both__join" },
      { from: "both__join", to: "__end" },
    ]);
  });

  it("write Mermaid text with a node per step and labelled arrows", () => {
    const text = toMermaid(declaredGraph(orderDefinition()));
    expect(text.split("\n").slice(0, 4)).toEqual([
      "flowchart TD",
      '  n0(["start"])',
      '  n1["shout<br/>call upper"]',
      '  n2{"route"}',
    ]);
    expect(text).toContain('  n2 -->|"shout is ok"| n3');
    expect(text).toContain('  n1 -->|"on error"| n7');
  });

  it("read a coded flow's effects from its source, in order", () => {
    const g = codedGraph(textPipeline)!;
    expect(g.source).toBe("code");
    expect(g.nodes.map((n) => n.detail ?? n.label)).toEqual([
      "start",
      "call text.upper",
      "call text.reverse",
      "call text.spaces",
      "end",
    ]);
    // The step's name is a template in the source: shown as written.
    expect(codedGraph(bookTrip)!.nodes.map((n) => n.label)).toContain(`book-${"${"}what}`);
  });

  it("render SVG: a standalone document with every label, and arrows", () => {
    const svg = toSvg(declaredGraph(orderDefinition()));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const label of [
      "order",
      "shout",
      "call upper",
      "route",
      "flip",
      "count",
      "apologise",
      "shout is ok",
    ])
      expect(svg).toContain(`>${label}<`);
    expect(svg.match(/class="edge"/g)).toHaveLength(10);
    expect(svg).not.toContain("<script");
  });
});
