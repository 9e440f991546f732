import { isAsl } from "../declared-flows/asl/asl-definition.js";
import { type Condition, END, type FlowDefinition, type Step } from "../declared-flows/definition.js";
import { aslGraph } from "./asl-graph.js";
import { FINISH, type FlowGraph, type GraphEdge, type GraphNode, START } from "./flow-graph.js";

const duration = (d: string | number) => (typeof d === "number" ? `${d} ms` : d);

function conditionText(c: Condition): string {
  if ("outcome" in c) return `${c.outcome} is ${c.is}`;
  const [op, v] = Object.entries(c).find(([k]) => k !== "field")!;
  const sym: Record<string, string> = { equals: "=", notEquals: "≠", gt: ">", gte: "≥", lt: "<", lte: "≤" };
  if (op === "exists") return v === true ? `${c.field} exists` : `no ${c.field}`;
  return `${c.field} ${sym[op] ?? op} ${JSON.stringify(v)}`;
}

function nodeOf(s: Step): GraphNode {
  switch (s.type) {
    case "call":
      return { id: s.id, kind: "call", label: s.id, detail: `call ${s.service}` };
    case "choice":
      return { id: s.id, kind: "choice", label: s.id };
    case "parallel":
      return { id: s.id, kind: "parallel", label: s.id, detail: `${s.branches.length} branches` };
    case "wait":
      return {
        id: s.id,
        kind: "wait",
        label: s.id,
        detail: s.signal === undefined ? `wait ${duration(s.duration!)}` : `wait for ${s.signal}`,
      };
    case "succeed":
      return { id: s.id, kind: "succeed", label: s.id, detail: "succeed" };
    case "fail":
      return { id: s.id, kind: "fail", label: s.id, detail: "fail" };
  }
}

/**
 * The diagram of a declared flow, from its definition: one node per step, arrows for the order,
 * the jumps, the choices (labelled with their conditions), the catches and the parallel branches
 * (a fork and a join).
 */
export function declaredGraph(def: FlowDefinition): FlowGraph {
  if (isAsl(def)) return aslGraph(def);
  const nodes: GraphNode[] = [{ id: START, kind: "start", label: "start" }];
  const edges: GraphEdge[] = [];
  const sequence = (steps: readonly Step[], entry: string, exit: string) => {
    if (steps.length === 0) {
      edges.push({ from: entry, to: exit });
      return;
    }
    edges.push({ from: entry, to: steps[0]!.id });
    const after = (i: number, target: string | undefined) =>
      target === END ? exit : (target ?? (i + 1 < steps.length ? steps[i + 1]!.id : exit));
    steps.forEach((s, i) => {
      nodes.push(nodeOf(s));
      switch (s.type) {
        case "call":
          edges.push({ from: s.id, to: after(i, s.next) });
          if (s.catch !== undefined)
            edges.push({ from: s.id, to: after(i, s.catch.next), label: "on error" });
          break;
        case "choice":
          for (const c of s.choices)
            edges.push({ from: s.id, to: after(i, c.next), label: conditionText(c.when) });
          edges.push({ from: s.id, to: after(i, s.default), label: "otherwise" });
          break;
        case "parallel": {
          const join = `${s.id}__join`;
          s.branches.forEach((b) => {
            sequence(b, s.id, join);
          });
          nodes.push({ id: join, kind: "join", label: "join" });
          edges.push({ from: join, to: after(i, s.next) });
          break;
        }
        case "wait":
          edges.push({ from: s.id, to: after(i, s.next) });
          break;
        case "succeed":
          edges.push({ from: s.id, to: exit });
          break;
        case "fail":
          break;
      }
    });
  };
  sequence(def.steps, START, FINISH);
  nodes.push({ id: FINISH, kind: "end", label: "end" });
  return { title: def.name, nodes, edges, source: "definition" };
}
