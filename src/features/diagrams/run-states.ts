import type { JournalEntry, RunRecord } from "../../ports/flow-store.js";
import { terminalStatuses } from "../../ports/flow-store.js";
import { SNAPSHOT_STEP } from "../declared-flows/run-snapshot.js";
import { FINISH, type FlowGraph, type NodeState, START, withStates } from "./flow-graph.js";
import { journalLine } from "./journal-line.js";

/** The state of a journaled effect; the sleep a sleeping run is in is journaled (its deadline) but still waiting. */
export function stateOf(e: JournalEntry, run?: RunRecord, last?: number): NodeState {
  if (e.kind === "sleep" && run?.status === "sleeping" && e.seq === last) return "waiting";
  return e.state === "ok" ? "done" : e.state === "error" ? "failed" : "waiting";
}

/** The last seq of a journal (0 when empty). */
export const lastSeq = (journal: readonly JournalEntry[]) => Math.max(0, ...journal.map((e) => e.seq));

/** The flow's own effects a journal records, in order (a coded run's steps, calls, sleeps and waits). */
export function journalSteps(journal: readonly JournalEntry[]): JournalEntry[] {
  return journal
    .filter(
      (e) => e.seq > 0 && ["call", "step", "sleep", "wait"].includes(e.kind) && e.name !== SNAPSHOT_STEP,
    )
    .sort((a, b) => a.seq - b.seq);
}

function matches(nodeName: string, kind: string, e: JournalEntry): boolean {
  if (e.kind === "sleep") return kind === "wait" && nodeName === "sleep";
  if (e.kind === "wait") return kind === "wait";
  if (e.kind === "call")
    return kind === "call" && (nodeName === e.name || e.name.endsWith(`.${nodeName.split(".").pop()}`));
  return kind === "step" && nodeName === e.name;
}

/** Start, end and the node in flight, from the run's status. */
export function frame(graph: FlowGraph, states: Map<string, NodeState>, run: RunRecord): void {
  states.set(START, "done");
  if (run.status === "completed") states.set(FINISH, "done");
  if (terminalStatuses.has(run.status) || [...states.values()].includes("waiting")) return;
  if (run.status === "sleeping" || run.status === "waiting") return;
  // Running: the first node without a state that follows one with a state is in flight.
  const next = graph.edges.find((e) => states.get(e.from) === "done" && !states.has(e.to) && e.to !== FINISH);
  if (next !== undefined) states.set(next.to, "running");
}

/**
 * How each compensated step's undo went, by step name: `compensated` when every undo of it that
 * ended succeeded, `uncompensated` when one finally failed (its effect still stands: it used to be
 * drawn as done). An undo is journaled at `-seq` of its step; its retries share that seq.
 */
export function undoStates(journal: readonly JournalEntry[]): Map<string, NodeState> {
  const bySeq = new Map<number, { name: string; ok: boolean; failed: boolean }>();
  for (const e of journal) {
    if (e.kind !== "compensate") continue;
    const u = bySeq.get(e.seq) ?? { name: e.name, ok: false, failed: false };
    bySeq.set(e.seq, { name: u.name, ok: u.ok || e.state === "ok", failed: u.failed || e.state === "error" });
  }
  const out = new Map<string, NodeState>();
  for (const u of bySeq.values()) {
    if (u.failed && !u.ok) out.set(u.name, "uncompensated");
    else if (u.ok && !out.has(u.name)) out.set(u.name, "compensated");
  }
  return out;
}

/**
 * A run that ended with an error no node shows as failed (its budget exceeded, a cancel): the end
 * node is drawn failed with the error's code, and the graph carries the code for the title. Such a
 * run used to be drawn all green.
 */
export function markRunError(graph: FlowGraph, run: RunRecord): FlowGraph {
  if (run.error === undefined || run.status === "completed" || !terminalStatuses.has(run.status))
    return graph;
  const shown = graph.nodes.some((n) => n.state === "failed" || n.state === "uncompensated");
  return {
    ...graph,
    error: run.error.code,
    nodes: shown
      ? graph.nodes
      : graph.nodes.map((n) => (n.id === FINISH ? { ...n, state: "failed", detail: run.error!.code } : n)),
  };
}

/**
 * A coded flow's diagram of a run: the effects of its source with the journal's states laid on them
 * in order, or — when the journal took another path than the straight line of the source — the
 * journal's own effects.
 */
export function codedRunGraph(
  base: FlowGraph | undefined,
  run: RunRecord,
  journal: readonly JournalEntry[],
): FlowGraph {
  const own = journalSteps(journal);
  const undone = undoStates(journal);
  const last = lastSeq(journal);
  let graph = base;
  const states = new Map<string, NodeState>();
  if (graph !== undefined) {
    const nodes = graph.nodes.filter((n) => n.id !== START && n.id !== FINISH);
    let at = 0;
    for (const e of own) {
      while (
        at < nodes.length &&
        !matches(
          nodes[at]!.detail?.startsWith("call ") ? nodes[at]!.detail!.slice(5) : nodes[at]!.label,
          nodes[at]!.kind,
          e,
        )
      )
        at++;
      if (at >= nodes.length) {
        graph = undefined;
        break;
      }
      states.set(nodes[at]!.id, (e.kind === "step" && undone.get(e.name)) || stateOf(e, run, last));
      at++;
    }
  }
  if (graph === undefined) {
    const line = journalLine(
      run.flow,
      own,
      (e) => (e.kind === "step" && undone.get(e.name)) || stateOf(e, run, last),
    );
    graph = line.graph;
    states.clear();
    for (const [id, state] of line.states) states.set(id, state);
  }
  frame(graph, states, run);
  return markRunError(withStates(graph, states, run.status), run);
}
