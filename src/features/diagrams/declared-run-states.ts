import type { JournalEntry, RunRecord } from "../../ports/flow-store.js";
import type { FlowDefinition, Step } from "../declared-flows/definition.js";
import { SNAPSHOT_STEP } from "../declared-flows/run-snapshot.js";
import { choicePasses } from "./choice-passes.js";
import { declaredGraph } from "./declared-graph.js";
import type { FlowGraph, GraphNode, NodeState } from "./flow-graph.js";
import { FINISH, START, withStates } from "./flow-graph.js";
import { frame, lastSeq, markRunError, stateOf, undoStates } from "./run-states.js";

/** Every `fail` step of a definition (in branches too). */
function failSteps(steps: readonly Step[]): Extract<Step, { type: "fail" }>[] {
  return steps.flatMap((s) =>
    s.type === "fail" ? [s] : s.type === "parallel" ? s.branches.flatMap((b) => failSteps(b)) : [],
  );
}

/**
 * The `fail` steps that ended the run: those whose error the run ended with (a fail step fails the
 * run with `TESSERA_CONFLICT` and its message) and that a step the run reached leads to. No effect
 * is journaled for a fail step, so it used to be drawn pending.
 */
function endingFails(def: FlowDefinition, graph: FlowGraph, run: RunRecord, states: Map<string, NodeState>) {
  if (run.error?.code !== "TESSERA_CONFLICT" || !["failed", "compensated"].includes(run.status)) return [];
  const hit = failSteps(def.steps).filter(
    (s) => (s.message ?? `the flow failed at step ${s.id}`) === run.error!.message,
  );
  if (hit.length <= 1) return hit.map((s) => s.id);
  const kinds = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  const reached = hit.filter((s) =>
    graph.edges.some((e) => e.to === s.id && (states.has(e.from) || kinds.get(e.from) === "choice")),
  );
  return (reached.length > 0 ? reached : hit).map((s) => s.id);
}

/** A failed attempt of a retried step, after which another attempt is due (`retryAt`, see retry.ts). */
const retried = (e: JournalEntry) =>
  e.state === "error" && typeof (e.value as { retryAt?: unknown } | undefined)?.retryAt === "number";

/** The node with `×n` after its label when the run went through it n > 1 times (a loop). */
const counted = (n: GraphNode, times: number): GraphNode =>
  times > 1 ? { ...n, label: `${n.label} ×${times}` } : n;

/**
 * A declared flow's diagram of a run: its definition's graph with each step's state from the
 * journal (the last time it ran, in a loop), how many times it ran when more than once (a choice
 * too, from the steps the run went through, see {@link choicePasses}), the `fail` step that ended
 * the run as failed, a completed step whose compensation failed as `uncompensated`, and a run
 * error no step shows (a budget, a cancel) on the end node.
 */
export function declaredRunGraph(
  def: FlowDefinition,
  run: RunRecord,
  journal: readonly JournalEntry[],
): FlowGraph {
  const base = declaredGraph(def);
  const states = new Map<string, NodeState>();
  const times = new Map<string, number>();
  const passes = [START];
  const seen = (id: string, state: NodeState) => {
    states.set(id, state);
    times.set(id, (times.get(id) ?? 0) + 1);
    passes.push(id);
  };
  const undone = undoStates(journal);
  const last = lastSeq(journal);
  const ids = new Set(base.nodes.map((n) => n.id));
  const sleeps = base.nodes.filter(
    (n) => n.kind === "wait" && n.detail?.startsWith("wait ") && !n.detail.startsWith("wait for "),
  );
  const waits = base.nodes.filter((n) => n.kind === "wait" && n.detail?.startsWith("wait for "));
  let sleepAt = 0;
  for (const e of [...journal].sort((a, b) => a.seq - b.seq)) {
    if (e.seq <= 0 || e.name === SNAPSHOT_STEP) continue;
    if (e.kind === "step" && ids.has(e.name)) {
      // A failed attempt that will be retried is the same pass through the step: waiting for the next.
      if (retried(e)) states.set(e.name, "waiting");
      else seen(e.name, undone.get(e.name) ?? stateOf(e));
    } else if (e.kind === "sleep") {
      // One sleep step: every sleep is its (a loop); else the sleeps in the order of the steps.
      const n = sleeps.length === 1 ? sleeps[0] : sleeps[sleepAt++];
      if (n !== undefined) seen(n.id, stateOf(e, run, last));
    } else if (e.kind === "wait") {
      const same = waits.filter((n) => n.detail === `wait for ${e.name}`);
      const n = same.length === 1 ? same[0] : same.find((w) => !states.has(w.id));
      if (n !== undefined) seen(n.id, stateOf(e));
    }
  }
  const fails = endingFails(def, base, run, states);
  for (const id of fails) states.set(id, "failed");
  passes.push(...(run.status === "completed" ? [FINISH] : fails));
  for (const [id, n] of choicePasses(base, passes)) times.set(id, n);
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
  const graph = markRunError(withStates(base, states, run.status), run);
  return { ...graph, nodes: graph.nodes.map((n) => counted(n, times.get(n.id) ?? 0)) };
}
