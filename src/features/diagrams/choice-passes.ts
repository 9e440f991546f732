import type { FlowGraph } from "./flow-graph.js";

/**
 * The choices on the shortest way from `from` to `to` that goes through choices only (a choice
 * journals nothing), or `undefined` when there is none (the two are not one after the other:
 * steps of parallel branches, an attempt left for later).
 */
function choicesBetween(
  graph: FlowGraph,
  out: ReadonlyMap<string, readonly string[]>,
  from: string,
  to: string,
): string[] | undefined {
  const choice = new Set(graph.nodes.filter((n) => n.kind === "choice").map((n) => n.id));
  const back = new Map<string, string>();
  let frontier = [from];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const t of out.get(id) ?? []) {
        if (t === to) {
          const way: string[] = [];
          for (let at = id; at !== from; at = back.get(at)!) way.unshift(at);
          return way;
        }
        if (choice.has(t) && !back.has(t) && t !== from) {
          back.set(t, id);
          next.push(t);
        }
      }
    }
    frontier = next;
  }
  return undefined;
}

/**
 * How many times a run went through each choice of a declared flow, read from the steps it went
 * through in order (`passes`: the start, each journaled pass of a step, then where it ended). The
 * engine journals nothing for a choice, so a choice counts once for each pair of steps one after
 * the other that a way through choices joins (the shortest, when several do). Steps of parallel
 * branches interleave in the journal: a choice inside a branch may count fewer passes than it had.
 */
export function choicePasses(graph: FlowGraph, passes: readonly string[]): Map<string, number> {
  const out = new Map<string, string[]>();
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const times = new Map<string, number>();
  for (let i = 1; i < passes.length; i++) {
    for (const c of choicesBetween(graph, out, passes[i - 1]!, passes[i]!) ?? [])
      times.set(c, (times.get(c) ?? 0) + 1);
  }
  return times;
}
