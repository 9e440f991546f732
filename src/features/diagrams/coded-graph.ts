import type { FlowDef } from "../flows/flow.js";
import { FINISH, type FlowGraph, type GraphNode, START } from "./flow-graph.js";

/** One effect a coded flow issues, as the diagram shows it and as its journal names it. */
interface Effect {
  readonly kind: "call" | "step" | "wait";
  /** The journal's name: `service.entry` of a call, the step's name, the signal's or `sleep`. */
  readonly name: string;
  readonly detail: string;
}

const patterns: readonly [RegExp, (m: RegExpExecArray) => Effect][] = [
  [
    // A bundler may qualify the service's variable (`__import_1__.text`): its last segment names it.
    /\bctx\s*\.\s*(?:call|tryCall|callAsync)\s*\(\s*(?:[\w$]+\s*\.\s*)*?([\w$]+)\s*\.\s*entries\s*\.\s*([\w$]+)/y,
    (m) => ({ kind: "call", name: `${m[1]}.${m[2]}`, detail: `call ${m[1]}.${m[2]}` }),
  ],
  [/\bctx\s*\.\s*step\s*\(\s*(["'`])([^"'`]+)\1/y, (m) => ({ kind: "step", name: m[2]!, detail: "step" })],
  [
    /\bctx\s*\.\s*sleep(?:Until)?\s*\(\s*([^)]*)\)/y,
    (m) => ({ kind: "wait", name: "sleep", detail: `sleep ${m[1]!.trim()}` }),
  ],
  [
    /\bctx\s*\.\s*waitFor\s*\(\s*([\w$]+)/y,
    (m) => ({ kind: "wait", name: m[1]!, detail: `wait for ${m[1]}` }),
  ],
];

/**
 * The effects of a coded flow in the order its source issues them, read from the code (the calls
 * to entries, named steps, sleeps and waits through `ctx`). Branches and loops are not told apart:
 * the diagram is the straight line of the source, and a run's journal shows the path taken.
 */
export function staticEffects(def: FlowDef): Effect[] {
  const src = String(def.body);
  const out: Effect[] = [];
  for (let i = src.indexOf("ctx"); i !== -1; i = src.indexOf("ctx", i + 1)) {
    for (const [re, make] of patterns) {
      re.lastIndex = i;
      const m = re.exec(src);
      if (m !== null) {
        out.push(make(m));
        break;
      }
    }
  }
  return out;
}

/** A straight-line graph of effects, start to end. */
export function lineGraph(title: string, effects: readonly Effect[], source: FlowGraph["source"]): FlowGraph {
  const nodes: GraphNode[] = [
    { id: START, kind: "start", label: "start" },
    ...effects.map(
      (e, i): GraphNode => ({
        id: `e${i + 1}`,
        kind: e.kind === "wait" ? "wait" : e.kind === "call" ? "call" : "step",
        label: e.kind === "step" ? e.name : e.kind === "call" ? e.name.split(".").pop()! : e.name,
        detail: e.detail,
      }),
    ),
    { id: FINISH, kind: "end", label: "end" },
  ];
  const edges = nodes.slice(1).map((n, i) => ({ from: nodes[i]!.id, to: n.id }));
  return { title, nodes, edges, source };
}

/** The diagram of a coded flow from its source, or undefined when no effect could be read from it. */
export function codedGraph(def: FlowDef): FlowGraph | undefined {
  const effects = staticEffects(def);
  return effects.length === 0 ? undefined : lineGraph(def.name, effects, "code");
}

export type { Effect };
