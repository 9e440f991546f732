import type { JournalEntry, RunRecord } from "../../ports/flow-store.js";
import { terminalStatuses } from "../../ports/flow-store.js";
import { SNAPSHOT_STEP } from "../declared-flows/run-snapshot.js";
import { type Effect, lineGraph } from "./coded-graph.js";
import { FINISH, type FlowGraph, type NodeState, START, withStates } from "./flow-graph.js";

/** The state of a journaled effect; the sleep a sleeping run is in is journaled (its deadline) but still waiting. */
function stateOf(e: JournalEntry, run?: RunRecord, last?: number): NodeState {
  if (e.kind === "sleep" && run?.status === "sleeping" && e.seq === last) return "waiting";
  return e.state === "ok" ? "done" : e.state === "error" ? "failed" : "waiting";
}

const lastSeq = (journal: readonly JournalEntry[]) => Math.max(0, ...journal.map((e) => e.seq));

/** The effects a journal records (the flow's own, in order), for a coded flow's diagram of a run. */
export function journalEffects(journal: readonly JournalEntry[]): Effect[] {
  return journal
    .filter(
      (e) => e.seq > 0 && ["call", "step", "sleep", "wait"].includes(e.kind) && e.name !== SNAPSHOT_STEP,
    )
    .sort((a, b) => a.seq - b.seq)
    .map((e) => ({
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
    }));
}

function matches(nodeName: string, kind: string, e: JournalEntry): boolean {
  if (e.kind === "sleep") return kind === "wait" && nodeName === "sleep";
  if (e.kind === "wait") return kind === "wait";
  if (e.kind === "call")
    return kind === "call" && (nodeName === e.name || e.name.endsWith(`.${nodeName.split(".").pop()}`));
  return kind === "step" && nodeName === e.name;
}

/** Start, end and the node in flight, from the run's status. */
function frame(graph: FlowGraph, states: Map<string, NodeState>, run: RunRecord): void {
  states.set(START, "done");
  if (run.status === "completed") states.set(FINISH, "done");
  if (terminalStatuses.has(run.status) || [...states.values()].includes("waiting")) return;
  if (run.status === "sleeping" || run.status === "waiting") return;
  // Running: the first node without a state that follows one with a state is in flight.
  const next = graph.edges.find((e) => states.get(e.from) === "done" && !states.has(e.to) && e.to !== FINISH);
  if (next !== undefined) states.set(next.to, "running");
}

function compensations(journal: readonly JournalEntry[]): Set<string> {
  return new Set(journal.filter((e) => e.kind === "compensate" && e.state === "ok").map((e) => e.name));
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
  const own = journal
    .filter((e) => e.seq > 0 && ["call", "step", "sleep", "wait"].includes(e.kind))
    .sort((a, b) => a.seq - b.seq);
  const undone = compensations(journal);
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
      states.set(
        nodes[at]!.id,
        e.kind === "step" && undone.has(e.name) ? "compensated" : stateOf(e, run, last),
      );
      at++;
    }
  }
  if (graph === undefined) {
    states.clear();
    graph = lineGraph(run.flow, journalEffects(journal), "journal");
    own.forEach((e, i) => {
      states.set(
        `e${i + 1}`,
        e.kind === "step" && undone.has(e.name) ? "compensated" : stateOf(e, run, last),
      );
    });
  }
  frame(graph, states, run);
  return withStates(graph, states, run.status);
}

/** A declared flow's diagram of a run: its definition's graph with each step's state from the journal. */
export function declaredRunGraph(
  base: FlowGraph,
  run: RunRecord,
  journal: readonly JournalEntry[],
): FlowGraph {
  const states = new Map<string, NodeState>();
  const undone = compensations(journal);
  const last = lastSeq(journal);
  const ids = new Set(base.nodes.map((n) => n.id));
  const sleeps = base.nodes.filter(
    (n) => n.kind === "wait" && n.detail?.startsWith("wait ") && !n.detail.startsWith("wait for "),
  );
  const waits = base.nodes.filter((n) => n.kind === "wait" && n.detail?.startsWith("wait for "));
  let sleepAt = 0;
  for (const e of [...journal].sort((a, b) => a.seq - b.seq)) {
    if (e.seq <= 0 || e.name === SNAPSHOT_STEP) continue;
    if (e.kind === "step" && ids.has(e.name))
      states.set(e.name, undone.has(e.name) ? "compensated" : stateOf(e));
    else if (e.kind === "sleep" && sleeps[sleepAt] !== undefined)
      states.set(sleeps[sleepAt++]!.id, stateOf(e, run, last));
    else if (e.kind === "wait") {
      const w = waits.find((n) => n.detail === `wait for ${e.name}` && !states.has(n.id));
      if (w !== undefined) states.set(w.id, stateOf(e));
    }
  }
  // A fork is done once a branch began; a join once what follows it began (or the run completed).
  for (const n of base.nodes) {
    if (n.kind === "parallel") {
      if (base.edges.some((e) => e.from === n.id && states.has(e.to))) states.set(n.id, "done");
    } else if (n.kind === "join") {
      const after = base.edges.find((e) => e.from === n.id)?.to;
      if (after !== undefined && (states.has(after) || run.status === "completed")) states.set(n.id, "done");
    }
  }
  // A choice is done once one of its ways began.
  for (const n of base.nodes)
    if (n.kind === "choice" && base.edges.some((e) => e.from === n.id && states.has(e.to)))
      states.set(n.id, "done");
  frame(base, states, run);
  if (run.status === "sleeping" && sleeps.length > 0) {
    const pending = sleeps.find((n) => !states.has(n.id) || states.get(n.id) === "waiting");
    if (pending !== undefined) states.set(pending.id, "waiting");
  }
  return withStates(base, states, run.status);
}
