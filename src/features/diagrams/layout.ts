import { layout as dagreLayout, type EdgeLabel, Graph, type NodeLabel } from "@dagrejs/dagre";
import { TesseraError } from "../../core/errors.js";
import type { FlowGraph, GraphEdge, GraphNode } from "./flow-graph.js";

/** A node placed on the canvas: centre, size, and its rank from the top. */
export interface Placed {
  readonly node: GraphNode;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly layer: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** An edge routed around the nodes: the points of its line, and where its label goes. */
export interface Routed {
  readonly edge: GraphEdge;
  /** From the source's border to the target's; at least two points. */
  readonly points: readonly Point[];
  /** The centre of the label, for a labelled edge. */
  readonly label?: Point;
}

export interface Layout {
  readonly placed: ReadonlyMap<string, Placed>;
  readonly edges: readonly Routed[];
  readonly width: number;
  readonly height: number;
}

const CHAR = 7.4;
const MARGIN = 24;
/** Room above the drawing for the title. */
const TOP = 56;
const MIN_WIDTH = 320;

/** Width and height of a node's box for its text. */
export function sizeOf(n: GraphNode): { w: number; h: number } {
  const chars = Math.max(n.label.length, n.detail?.length ?? 0);
  const w = Math.min(280, Math.max(96, chars * CHAR + 32));
  if (n.kind === "choice") return { w: w + 48, h: 64 };
  if (n.kind === "start" || n.kind === "end") return { w: Math.max(80, chars * CHAR + 32), h: 32 };
  return { w, h: n.detail === undefined ? 36 : 50 };
}

/** Width and height of an edge's label (as svg.ts draws it). */
export const labelSize = (label: string) => ({ w: label.length * 6.4 + 10, h: 16 });

/** Where the line from `from` towards a diamond's centre crosses the diamond's border. */
function onDiamond(p: Placed, from: Point): Point {
  const dx = from.x - p.x;
  const dy = from.y - p.y;
  const t = 1 / (Math.abs(dx) / (p.w / 2) + Math.abs(dy) / (p.h / 2) || 1);
  return { x: p.x + dx * t, y: p.y + dy * t };
}

/**
 * What a drawing may lay out. dagre's layout runs on the event loop in time that grows with the
 * boxes and, far faster, with the ranks its edges cross (measured on a loaded 2-core machine: a
 * chain of 100 boxes ~45 ms, 208 ~120 ms, 1,000 ~550 ms, 2,000 overflowed its stack; 60 boxes whose 150 edges jump
 * 30 places on average ~600 ms; 142 boxes and 1,000 such edges 18 s). A graph over either bound is
 * refused as too large to draw (413); its Mermaid text (`diagram.mmd`, linear) is still served.
 * `span` bounds the sum over edges of how many places, in the order of the boxes, each jumps.
 */
export const drawLimits = { boxes: 210, span: 300 } as const;

/** The sum over edges of the places each jumps in the order of the boxes (1 at least): a proxy for the ranks dagre routes through. */
function spanOf(graph: FlowGraph): number {
  const at = new Map(graph.nodes.map((n, i) => [n.id, i]));
  let sum = 0;
  for (const e of graph.edges) {
    const a = at.get(e.from);
    const b = at.get(e.to);
    if (a !== undefined && b !== undefined) sum += Math.max(1, Math.abs(b - a));
  }
  return sum;
}

/**
 * A layered layout, top to bottom, by dagre (the layout of Graphviz's dot): edges that go back
 * (loops) are reversed for the ranking and routed back up beside the nodes, the nodes of a rank
 * are ordered to cross few edges, so the branches of a choice or a fork stand side by side, and
 * edges spanning several ranks bend around the nodes between; labels get a place of their own.
 * Refused, `TESSERA_PAYLOAD_TOO_LARGE`, over {@link drawLimits}.
 */
export function layout(graph: FlowGraph): Layout {
  const boxes = graph.nodes.length;
  const span = boxes > drawLimits.boxes ? 0 : spanOf(graph);
  if (boxes > drawLimits.boxes || span > drawLimits.span)
    throw new TesseraError(
      "TESSERA_PAYLOAD_TOO_LARGE",
      `too large to draw: ${boxes} boxes (${drawLimits.boxes} at most) whose arrows jump ${span} places in all ` +
        `(${drawLimits.span} at most); its Mermaid text (diagram.mmd) is served`,
      { details: { boxes, span, limits: drawLimits } },
    );
  const g = new Graph<object, NodeLabel, EdgeLabel>({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 36, ranksep: 48, edgesep: 16, marginx: MARGIN, marginy: 0 });
  const ids = new Set(graph.nodes.map((n) => n.id));
  for (const n of graph.nodes) {
    const { w, h } = sizeOf(n);
    g.setNode(n.id, { width: w, height: h });
  }
  const edges = graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to));
  edges.forEach((e, i) => {
    const size = e.label === undefined ? { w: 0, h: 0 } : labelSize(e.label);
    g.setEdge(e.from, e.to, { width: size.w, height: size.h, labelpos: "c" }, String(i));
  });
  dagreLayout(g);
  const drawn = g.graph() as { width?: number; height?: number };
  const width = Math.max(MIN_WIDTH, drawn.width ?? 0);
  // A drawing narrower than the least width is centred in it.
  const dx = (width - (drawn.width ?? 0)) / 2;
  const at = (p: { x?: number; y?: number }): Point => ({ x: (p.x ?? 0) + dx, y: (p.y ?? 0) + TOP });
  const placed = new Map<string, Placed>();
  for (const n of graph.nodes) {
    const label = g.node(n.id);
    const { x, y } = at(label);
    placed.set(n.id, { node: n, x, y, w: label.width, h: label.height, layer: label.rank ?? 0 });
  }
  const routed = edges.map((edge, i): Routed => {
    const label = g.edge(edge.from, edge.to, String(i))!;
    const points = (label.points ?? []).map(at);
    // dagre ends an edge on the node's box; a diamond's border is inside it.
    const a = placed.get(edge.from)!;
    const b = placed.get(edge.to)!;
    if (a.node.kind === "choice" && points.length > 1) points[0] = onDiamond(a, points[1]!);
    if (b.node.kind === "choice" && points.length > 1)
      points[points.length - 1] = onDiamond(b, points[points.length - 2]!);
    return edge.label === undefined ? { edge, points } : { edge, points, label: at(label) };
  });
  return { placed, edges: routed, width, height: (drawn.height ?? 0) + TOP + MARGIN };
}
