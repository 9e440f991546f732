import type { JournalEntry, RunRecord } from "../../ports/flow-store.js";
import { terminalStatuses } from "../../ports/flow-store.js";
import type { AslFlowDefinition } from "../declared-flows/asl/asl-definition.js";
import { AslExecution } from "../declared-flows/asl/asl-execution.js";
import type { Json } from "../declared-flows/asl/asl-types.js";
import type { RunSnapshot } from "../declared-flows/run-snapshot.js";
import { aslGraphWithIds } from "./asl-graph.js";
import { JournalReplay, type Mark } from "./asl-journal-replay.js";
import { FINISH, type FlowGraph, type GraphNode, type NodeState, START, withStates } from "./flow-graph.js";
import { markRunError } from "./run-states.js";

/** A node's state from its marks in every scope it ran in: the gravest wins. */
const order: readonly Mark[] = ["failed", "running", "waiting", "entered", "done"];
function stateOf(marks: Iterable<Mark>, live: boolean): NodeState | undefined {
  const all = new Set(marks);
  const worst = order.find((m) => all.has(m));
  if (worst === "entered") return live ? "running" : undefined;
  return worst;
}

/**
 * A States Language run's diagram: the machine's graph with each state's state, found by replaying
 * the run's journal through the machine (see {@link JournalReplay}) — the Choices take the way the
 * run took, a Fail state that ended the run is failed, a Task is failed when its last attempt
 * failed (retried: waiting in the delay, done when a retry succeeded), a Wait or a retry's delay the
 * run sleeps in is waiting; a Parallel's or a Map's join is done once the state is. A state the run
 * entered more than once (a loop, a Map's items) shows how many times. Before, the run was drawn
 * with the declared flows' rules: a Fail state stayed pending, and a retry's delay was drawn as a
 * Wait state done.
 *
 * @example
 * const graph = await aslRunGraph(def, snapshot, run, await store.journal(run.id));
 */
export async function aslRunGraph(
  def: AslFlowDefinition,
  snapshot: RunSnapshot | undefined,
  run: RunRecord,
  journal: readonly JournalEntry[],
): Promise<FlowGraph> {
  const { graph, idOf } = aslGraphWithIds(def);
  const live = !terminalStatuses.has(run.status) && run.status !== "blocked";
  const states = new Map<string, NodeState>([[START, "done"]]);
  const times = new Map<string, number>();
  if (snapshot !== undefined) {
    const replay = new JournalReplay(run.id, snapshot, journal, idOf, live);
    const input = (run.input ?? {}) as Json;
    new AslExecution(replay, input).run(def.definition, input).catch(() => undefined);
    await replay.settled();
    for (const [id, byScope] of replay.marks) {
      const state = stateOf(byScope.values(), live);
      if (state !== undefined) states.set(id, state);
    }
    for (const [id, n] of replay.entered) times.set(id, n);
    for (const n of graph.nodes)
      if (n.kind === "parallel" && states.get(n.id) === "done") states.set(`${n.id}__join`, "done");
  }
  if (run.status === "completed") states.set(FINISH, "done");
  const drawn = markRunError(withStates(graph, states, run.status), run);
  return { ...drawn, nodes: drawn.nodes.map((n) => counted(n, times.get(n.id) ?? 0)) };
}

/** The node with `×n` after its label when the run entered it n > 1 times. */
const counted = (n: GraphNode, times: number): GraphNode =>
  times > 1 ? { ...n, label: `${n.label} ×${times}` } : n;
