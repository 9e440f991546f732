import type { NodeState } from "./flow-graph.js";

/** Fill and stroke of each state (the same in Mermaid and SVG). */
export const palette: Readonly<Record<NodeState, { readonly fill: string; readonly stroke: string }>> = {
  pending: { fill: "#f3f4f6", stroke: "#6b7280" },
  done: { fill: "#bbf7d0", stroke: "#15803d" },
  running: { fill: "#bfdbfe", stroke: "#1d4ed8" },
  failed: { fill: "#fecaca", stroke: "#b91c1c" },
  compensated: { fill: "#fed7aa", stroke: "#c2410c" },
  uncompensated: { fill: "#f5d0fe", stroke: "#a21caf" },
  waiting: { fill: "#fef08a", stroke: "#a16207" },
};
