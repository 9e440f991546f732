/**
 * How far a run got with a node of its flow's diagram. `uncompensated`: the step completed, the
 * run unwound, and the step's compensation failed — its effect still stands (it was drawn done).
 */
export type NodeState =
  | "pending"
  | "done"
  | "running"
  | "failed"
  | "compensated"
  | "uncompensated"
  | "waiting";

/** The states in the order a run's legend lists them. */
export const legendStates: readonly NodeState[] = [
  "done",
  "running",
  "waiting",
  "failed",
  "compensated",
  "uncompensated",
  "pending",
];

export type NodeKind =
  | "start"
  | "end"
  | "call"
  | "step"
  | "choice"
  | "wait"
  | "parallel"
  | "join"
  | "succeed"
  | "fail";

/** One box of a flow's diagram. */
export interface GraphNode {
  readonly id: string;
  readonly kind: NodeKind;
  /** First line: the step's id or name. */
  readonly label: string;
  /** Second line: what it does (`call upper`, `wait 10s`). */
  readonly detail?: string;
  readonly state?: NodeState;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
}

/**
 * A flow as a diagram: boxes and arrows, from a declared flow's definition or a coded flow's steps;
 * with `state` on nodes for a run.
 */
export interface FlowGraph {
  readonly title: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Where the graph came from: the definition, the code, or a run's journal. */
  readonly source: "definition" | "code" | "journal";
  /** The run's status, for a run's diagram. */
  readonly status?: string;
  /** The code of the error a run's diagram ended with (its title shows it). */
  readonly error?: string;
}

export const START = "__start";
export const FINISH = "__end";

/** The same graph with states on some nodes. */
export function withStates(
  graph: FlowGraph,
  states: ReadonlyMap<string, NodeState>,
  status: string,
): FlowGraph {
  return {
    ...graph,
    status,
    nodes: graph.nodes.map((n) => {
      const s = states.get(n.id);
      return s === undefined ? n : { ...n, state: s };
    }),
  };
}
