import type { JournalEntry } from "../../ports/flow-store.js";
import { type Effect, lineGraph } from "./coded-graph.js";
import type { FlowGraph, NodeState } from "./flow-graph.js";

/**
 * The most nodes a run's journal draws. A run that went round a loop thousands of times (until its
 * budget) would give a line of thousands of nodes, which the layout cannot place (dagre exhausted
 * the stack: the SVG answered 500); past this, the first and last steps stay around one node that
 * counts those left out.
 */
const maxNodes = 200;

/** What a journal entry shows as a node of a coded run's line. */
function effectOf(e: JournalEntry): Effect {
  return {
    kind: e.kind === "call" ? "call" : e.kind === "step" ? "step" : "wait",
    name: e.kind === "sleep" ? "sleep" : e.name,
    detail:
      e.kind === "call"
        ? `call ${e.name}`
        : e.kind === "step"
          ? "step"
          : e.kind === "sleep"
            ? "sleep"
            : `wait for ${e.name}`,
  };
}

interface Group {
  readonly effect: Effect;
  last: JournalEntry;
  count: number;
}

/**
 * The line of a run's effects from its journal (`entries`: the flow's own, in order), with each
 * node's state: effects repeated back to back (a step retried or looped on) are one node read
 * `name ×n` in the state of the last; a line longer than {@link maxNodes} keeps its first and last
 * nodes around one that says how many were left out.
 */
export function journalLine(
  title: string,
  entries: readonly JournalEntry[],
  stateOfEntry: (e: JournalEntry) => NodeState,
): { graph: FlowGraph; states: Map<string, NodeState> } {
  const groups: (Group | { gap: number })[] = [];
  for (const e of entries) {
    const effect = effectOf(e);
    const prev = groups.at(-1) as Group | undefined;
    if (prev !== undefined && prev.effect.kind === effect.kind && prev.effect.name === effect.name) {
      prev.count++;
      prev.last = e;
    } else groups.push({ effect, last: e, count: 1 });
  }
  if (groups.length > maxNodes) {
    const left = groups.length - maxNodes;
    groups.splice(maxNodes / 2, left, { gap: left });
  }
  const effects = groups.map(
    (g): Effect =>
      "gap" in g
        ? { kind: "step", name: `… ${g.gap} more`, detail: "left out of the diagram" }
        : g.count === 1
          ? g.effect
          : { ...g.effect, name: `${g.effect.name} ×${g.count}` },
  );
  const states = new Map<string, NodeState>();
  groups.forEach((g, i) => {
    states.set(`e${i + 1}`, "gap" in g ? "done" : stateOfEntry(g.last));
  });
  return { graph: lineGraph(title, effects, "journal"), states };
}
