import type { FlowGraph, GraphNode, NodeState } from "./flow-graph.js";
import { palette } from "./palette.js";

const quote = (s: string) => s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");

function shape(n: GraphNode, id: string): string {
  const text = n.detail === undefined ? quote(n.label) : `${quote(n.label)}<br/>${quote(n.detail)}`;
  switch (n.kind) {
    case "start":
    case "end":
      return `${id}(["${text}"])`;
    case "choice":
      return `${id}{"${text}"}`;
    case "parallel":
    case "join":
      return `${id}[["${text}"]]`;
    case "wait":
      return `${id}(["${text}"])`;
    case "fail":
    case "succeed":
      return `${id}((("${text}")))`;
    default:
      return `${id}["${text}"]`;
  }
}

/**
 * A flow's diagram as Mermaid flowchart text (paste it in any Mermaid renderer); for a run, each
 * node is classed by its state (`done`, `running`, `failed`, `compensated`, `waiting`).
 *
 * @example
 * toMermaid(declaredGraph(definition)) // "flowchart TD\n  n0([\"start\"])\n  …"
 */
export function toMermaid(graph: FlowGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ["flowchart TD"];
  for (const n of graph.nodes) lines.push(`  ${shape(n, ids.get(n.id)!)}`);
  for (const e of graph.edges) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (from === undefined || to === undefined) continue;
    lines.push(e.label === undefined ? `  ${from} --> ${to}` : `  ${from} -->|"${quote(e.label)}"| ${to}`);
  }
  const used = new Set(graph.nodes.map((n) => n.state).filter((s): s is NodeState => s !== undefined));
  for (const s of used) {
    lines.push(`  classDef ${s} fill:${palette[s].fill},stroke:${palette[s].stroke},stroke-width:2px`);
    const members = graph.nodes.filter((n) => n.state === s).map((n) => ids.get(n.id));
    lines.push(`  class ${members.join(",")} ${s}`);
  }
  return `${lines.join("\n")}\n`;
}
