import type { FlowGraph, GraphNode } from "./flow-graph.js";

/** A node placed on the canvas: centre, size. */
export interface Placed {
  readonly node: GraphNode;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly layer: number;
}

export interface Layout {
  readonly placed: ReadonlyMap<string, Placed>;
  /** Edges that go back up (loops): drawn around the right side. */
  readonly back: ReadonlySet<number>;
  readonly width: number;
  readonly height: number;
}

const CHAR = 7.4;
const LAYER_GAP = 64;
const NODE_GAP = 36;
const MARGIN = 24;
const TOP = 56;

/** Width and height of a node's box for its text. */
export function sizeOf(n: GraphNode): { w: number; h: number } {
  const chars = Math.max(n.label.length, n.detail?.length ?? 0);
  const w = Math.min(280, Math.max(96, chars * CHAR + 32));
  if (n.kind === "choice") return { w: w + 48, h: 64 };
  if (n.kind === "start" || n.kind === "end") return { w: Math.max(80, chars * CHAR + 32), h: 32 };
  return { w, h: n.detail === undefined ? 36 : 50 };
}

/**
 * A layered layout (top to bottom): each node on the layer of its longest path from the start
 * (edges going back are set aside), nodes of a layer ordered by the mean position of their
 * predecessors, layers centred.
 */
export function layout(graph: FlowGraph): Layout {
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const edges = graph.edges.filter((e) => index.has(e.from) && index.has(e.to));
  const out = new Map<string, number[]>();
  edges.forEach((e, i) => {
    out.set(e.from, [...(out.get(e.from) ?? []), i]);
  });
  // Back edges: those reaching a node on the DFS stack.
  const back = new Set<number>();
  const seen = new Set<string>();
  const onStack = new Set<string>();
  const dfs = (id: string) => {
    seen.add(id);
    onStack.add(id);
    for (const i of out.get(id) ?? []) {
      const to = edges[i]!.to;
      if (onStack.has(to) || to === id) back.add(i);
      else if (!seen.has(to)) dfs(to);
    }
    onStack.delete(id);
  };
  for (const n of graph.nodes) if (!seen.has(n.id)) dfs(n.id);
  // Longest path layering over the forward edges (Kahn's order).
  const indeg = new Map(graph.nodes.map((n) => [n.id, 0]));
  edges.forEach((e, i) => {
    if (!back.has(i)) indeg.set(e.to, indeg.get(e.to)! + 1);
  });
  const layer = new Map(graph.nodes.map((n) => [n.id, 0]));
  const queue = graph.nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const i of out.get(id) ?? []) {
      if (back.has(i)) continue;
      const to = edges[i]!.to;
      layer.set(to, Math.max(layer.get(to)!, layer.get(id)! + 1));
      indeg.set(to, indeg.get(to)! - 1);
      if (indeg.get(to) === 0) queue.push(to);
    }
  }
  // The end goes below everything.
  const end = graph.nodes.find((n) => n.kind === "end");
  const deepest = Math.max(0, ...[...layer.values()]);
  if (end !== undefined) layer.set(end.id, Math.max(layer.get(end.id)!, deepest));
  const layers: string[][] = [];
  for (const n of graph.nodes) {
    const l = layer.get(n.id)!;
    layers[l] = [...(layers[l] ?? []), n.id];
  }
  // Order within a layer by the mean position of the predecessors (one sweep down).
  const pos = new Map<string, number>();
  for (const ids of layers) {
    if (ids === undefined) continue;
    const key = (id: string) => {
      const preds = edges
        .filter((e, i) => !back.has(i) && e.to === id && pos.has(e.from))
        .map((e) => pos.get(e.from)!);
      return preds.length === 0 ? index.get(id)! : preds.reduce((a, b) => a + b, 0) / preds.length;
    };
    ids.sort((a, b) => key(a) - key(b) || index.get(a)! - index.get(b)!);
    ids.forEach((id, i) => {
      pos.set(id, i - (ids.length - 1) / 2);
    });
  }
  const sizes = new Map(graph.nodes.map((n) => [n.id, sizeOf(n)]));
  const rowWidth = (ids: string[]) =>
    ids.reduce((a, id) => a + sizes.get(id)!.w, 0) + NODE_GAP * (ids.length - 1);
  const width =
    Math.max(320, ...layers.filter(Boolean).map(rowWidth)) + MARGIN * 2 + (back.size > 0 ? 80 : 0);
  const placed = new Map<string, Placed>();
  let y = TOP;
  layers.forEach((ids, l) => {
    if (ids === undefined) return;
    const h = Math.max(...ids.map((id) => sizes.get(id)!.h));
    let x = (width - (back.size > 0 ? 80 : 0) - rowWidth(ids)) / 2;
    for (const id of ids) {
      const s = sizes.get(id)!;
      placed.set(id, {
        node: graph.nodes[index.get(id)!]!,
        x: x + s.w / 2,
        y: y + h / 2,
        w: s.w,
        h: s.h,
        layer: l,
      });
      x += s.w + NODE_GAP;
    }
    y += h + LAYER_GAP;
  });
  return { placed, back, width, height: y - LAYER_GAP + MARGIN };
}
