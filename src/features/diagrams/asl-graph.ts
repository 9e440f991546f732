import type { AslFlowDefinition } from "../declared-flows/asl/asl-definition.js";
import type { AslMachine, AslState } from "../declared-flows/asl/asl-types.js";
import {
  FINISH,
  type FlowGraph,
  type GraphEdge,
  type GraphNode,
  type NodeKind,
  START,
} from "./flow-graph.js";

/** A Choice rule in a few words: `$.n > 3`, `and(…)`. */
function ruleText(rule: Readonly<Record<string, unknown>>): string {
  for (const c of ["And", "Or"])
    if (Array.isArray(rule[c]))
      return (rule[c] as Record<string, unknown>[]).map(ruleText).join(c === "And" ? " and " : " or ");
  if (rule.Not !== null && typeof rule.Not === "object")
    return `not (${ruleText(rule.Not as Record<string, unknown>)})`;
  const op = Object.keys(rule).find((k) => !["Variable", "Next", "Comment"].includes(k)) ?? "?";
  return `${String(rule.Variable)} ${op} ${JSON.stringify(rule[op])}`;
}

const kinds: Record<string, NodeKind> = {
  Task: "call",
  Choice: "choice",
  Parallel: "parallel",
  Map: "parallel",
  Wait: "wait",
  Pass: "step",
  Succeed: "succeed",
  Fail: "fail",
};

function detailOf(s: AslState): string | undefined {
  switch (s.Type) {
    case "Task":
      return `call ${String(s.Resource)}`;
    case "Wait":
      return s.Seconds !== undefined
        ? `wait ${String(s.Seconds)}s`
        : s.SecondsPath !== undefined
          ? `wait ${String(s.SecondsPath)} s`
          : `wait until ${String(s.Timestamp ?? s.TimestampPath)}`;
    case "Parallel":
      return `${(s.Branches as unknown[]).length} branches`;
    case "Map":
      return `map ${String(s.ItemsPath ?? "$")}`;
    case "Pass":
      return "pass";
    case "Succeed":
      return "succeed";
    case "Fail":
      return `fail ${String(s.Error ?? "")}`.trim();
    default:
      return undefined;
  }
}

/**
 * The diagram of a States Language flow: one node per state (named after it; a name used again in
 * another branch gets its branch's prefix), arrows for `Next`, the Choice rules (labelled), their
 * `Default`, the `Catch` rules (`on error`), and a fork and a join around each Parallel's branches
 * and each Map's processor.
 */
export function aslGraph(def: AslFlowDefinition): FlowGraph {
  return aslGraphWithIds(def).graph;
}

/**
 * {@link aslGraph} with the node id of each state of each machine object of the definition (the
 * definition itself, a branch, a processor), for a run's diagram to place what the run did.
 */
export function aslGraphWithIds(def: AslFlowDefinition): {
  graph: FlowGraph;
  idOf: (machine: AslMachine, name: string) => string | undefined;
} {
  const nodes: GraphNode[] = [{ id: START, kind: "start", label: "start" }];
  const edges: GraphEdge[] = [];
  const used = new Set<string>();
  const byMachine = new Map<AslMachine, Map<string, string>>();
  const machine = (m: AslMachine, entry: string, exit: string, prefix: string) => {
    const ids = new Map<string, string>();
    byMachine.set(m, ids);
    for (const name of Object.keys(m.States)) {
      const id = used.has(name) ? `${prefix}${name}` : name;
      used.add(id);
      ids.set(name, id);
    }
    const to = (name: unknown) => (typeof name === "string" ? (ids.get(name) ?? exit) : exit);
    edges.push({ from: entry, to: to(m.StartAt) });
    for (const [name, s] of Object.entries(m.States)) {
      const id = ids.get(name)!;
      const detail = detailOf(s);
      nodes.push({
        id,
        kind: kinds[s.Type] ?? "step",
        label: name,
        ...(detail === undefined ? {} : { detail }),
      });
      if (s.Type === "Choice") {
        for (const r of s.Choices as Record<string, unknown>[])
          edges.push({ from: id, to: to(r.Next), label: ruleText(r) });
        if (s.Default !== undefined) edges.push({ from: id, to: to(s.Default), label: "otherwise" });
        continue;
      }
      if (s.Type === "Fail") continue;
      const after = s.Type === "Succeed" || s.End === true ? exit : to(s.Next);
      if (s.Type === "Parallel" || s.Type === "Map") {
        const join = `${id}__join`;
        const branches =
          s.Type === "Parallel"
            ? (s.Branches as AslMachine[])
            : [(s.ItemProcessor ?? s.Iterator) as AslMachine];
        branches.forEach((b, i) => {
          machine(b, id, join, `${id}.${i}.`);
        });
        nodes.push({ id: join, kind: "join", label: "join" });
        edges.push({ from: join, to: after });
      } else edges.push({ from: id, to: after });
      for (const c of (s.Catch ?? []) as Record<string, unknown>[])
        edges.push({ from: id, to: to(c.Next), label: "on error" });
    }
  };
  machine(def.definition, START, FINISH, "");
  nodes.push({ id: FINISH, kind: "end", label: "end" });
  return {
    graph: { title: def.name, nodes, edges, source: "definition" },
    idOf: (m, name) => byMachine.get(m)?.get(name),
  };
}
