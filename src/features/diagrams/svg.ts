import type { FlowGraph, NodeState } from "./flow-graph.js";
import { layout, type Placed } from "./layout.js";
import { palette } from "./palette.js";

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const r = (n: number) => Math.round(n * 10) / 10;
const FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"';

function colours(p: Placed, run: boolean): { fill: string; stroke: string; text: string } {
  if (p.node.kind === "start" || p.node.kind === "end") {
    const s = p.node.state;
    if (run && s !== undefined) return { ...palette[s], text: "#111827" };
    return { fill: "#1f2937", stroke: "#111827", text: "#ffffff" };
  }
  if (!run) return { fill: "#ffffff", stroke: "#374151", text: "#111827" };
  return { ...palette[p.node.state ?? "pending"], text: "#111827" };
}

function box(p: Placed, run: boolean): string {
  const { fill, stroke, text } = colours(p, run);
  const { x, y, w, h, node } = p;
  const thick = node.kind === "parallel" || node.kind === "join" ? 4 : 2;
  const attrs = `fill="${fill}" stroke="${stroke}" stroke-width="${thick}"`;
  let shape: string;
  switch (node.kind) {
    case "choice":
      shape = `<polygon points="${r(x)},${r(y - h / 2)} ${r(x + w / 2)},${r(y)} ${r(x)},${r(y + h / 2)} ${r(x - w / 2)},${r(y)}" ${attrs}/>`;
      break;
    case "start":
    case "end":
      shape = `<rect x="${r(x - w / 2)}" y="${r(y - h / 2)}" width="${r(w)}" height="${r(h)}" rx="${r(h / 2)}" ${attrs}/>`;
      break;
    case "wait":
      shape = `<rect x="${r(x - w / 2)}" y="${r(y - h / 2)}" width="${r(w)}" height="${r(h)}" rx="18" ${attrs} stroke-dasharray="6 3"/>`;
      break;
    case "parallel":
    case "join":
      shape = `<rect x="${r(x - w / 2)}" y="${r(y - h / 2)}" width="${r(w)}" height="${r(h)}" rx="3" ${attrs}/>`;
      break;
    case "fail":
    case "succeed":
      shape = `<rect x="${r(x - w / 2)}" y="${r(y - h / 2)}" width="${r(w)}" height="${r(h)}" rx="10" ${attrs}/><rect x="${r(x - w / 2 + 4)}" y="${r(y - h / 2 + 4)}" width="${r(w - 8)}" height="${r(h - 8)}" rx="7" fill="none" stroke="${stroke}"/>`;
      break;
    default:
      shape = `<rect x="${r(x - w / 2)}" y="${r(y - h / 2)}" width="${r(w)}" height="${r(h)}" rx="6" ${attrs}/>`;
  }
  const lines =
    node.detail === undefined
      ? `<text x="${r(x)}" y="${r(y + 4.5)}" text-anchor="middle" font-size="13" font-weight="bold" fill="${text}">${esc(node.label)}</text>`
      : `<text x="${r(x)}" y="${r(y - 3)}" text-anchor="middle" font-size="13" font-weight="bold" fill="${text}">${esc(node.label)}</text>` +
        `<text x="${r(x)}" y="${r(y + 14)}" text-anchor="middle" font-size="11" fill="${text}">${esc(node.detail)}</text>`;
  const state = node.state ?? (run ? "pending" : "none");
  return `<g class="node ${node.kind} state-${state}" data-id="${esc(node.id)}" data-state="${state}"><title>${esc(node.label)}${run ? ` (${state})` : ""}</title>${shape}${lines}</g>`;
}

/**
 * A flow's diagram as a standalone SVG document (no script, no external resource): a layered
 * layout top to bottom, arrows labelled with conditions, and for a run each step filled with the
 * colour of its state and a legend.
 *
 * @example
 * writeFileSync("flow.svg", toSvg(declaredGraph(definition)));
 */
export function toSvg(graph: FlowGraph): string {
  const run = graph.status !== undefined;
  const { placed, back, width, height: h0 } = layout(graph);
  const legendStates: NodeState[] = ["done", "running", "waiting", "failed", "compensated", "pending"];
  const height = h0 + (run ? 40 : 0);
  const parts: string[] = [];
  const right = Math.max(...[...placed.values()].map((p) => p.x + p.w / 2));
  const edges = graph.edges.filter((e) => placed.has(e.from) && placed.has(e.to));
  let widest = width;
  edges.forEach((e, i) => {
    const a = placed.get(e.from)!;
    const b = placed.get(e.to)!;
    let d: string;
    let lx: number;
    let ly: number;
    if (back.has(graph.edges.indexOf(e)) || b.layer <= a.layer) {
      const out = right + 40 + (i % 3) * 10;
      d = `M ${r(a.x + a.w / 2)} ${r(a.y)} C ${r(out)} ${r(a.y)}, ${r(out)} ${r(b.y)}, ${r(b.x + b.w / 2)} ${r(b.y)}`;
      lx = out - 20;
      ly = (a.y + b.y) / 2;
    } else if (b.layer - a.layer > 1) {
      // Over several layers: around the boxes in between, on their right.
      const between = [...placed.values()].filter((p) => p.layer > a.layer && p.layer < b.layer);
      const side = Math.max(a.x, b.x, ...between.map((p) => p.x + p.w / 2)) + 28;
      const y1 = a.y + a.h / 2;
      const y2 = b.y - b.h / 2;
      const mid = (y1 + y2) / 2;
      d =
        `M ${r(a.x)} ${r(y1)} C ${r(a.x)} ${r(y1 + 24)}, ${r(side)} ${r(y1 + 12)}, ${r(side)} ${r(mid)} ` +
        `S ${r(b.x)} ${r(y2 - 24)}, ${r(b.x)} ${r(y2 - 2)}`;
      lx = side;
      ly = mid;
      widest = Math.max(widest, side + (e.label?.length ?? 0) * 3.2 + 12);
    } else {
      const y1 = a.y + a.h / 2;
      const y2 = b.y - b.h / 2;
      const dy = (y2 - y1) / 2;
      d = `M ${r(a.x)} ${r(y1)} C ${r(a.x)} ${r(y1 + dy)}, ${r(b.x)} ${r(y2 - dy)}, ${r(b.x)} ${r(y2 - 2)}`;
      lx = (a.x + b.x) / 2;
      ly = (y1 + y2) / 2;
    }
    parts.push(
      `<path class="edge" d="${d}" fill="none" stroke="#4b5563" stroke-width="1.5" marker-end="url(#arrow)"/>`,
    );
    if (e.label !== undefined) {
      const w = e.label.length * 6.4 + 10;
      parts.push(
        `<g class="edge-label"><rect x="${r(lx - w / 2)}" y="${r(ly - 9)}" width="${r(w)}" height="16" rx="3" fill="#ffffff" stroke="#d1d5db"/>` +
          `<text x="${r(lx)}" y="${r(ly + 3)}" text-anchor="middle" font-size="11" fill="#374151">${esc(e.label)}</text></g>`,
      );
    }
  });
  for (const p of placed.values()) parts.push(box(p, run));
  const title = run ? `${graph.title} — ${graph.status}` : graph.title;
  const header = `<text class="title" x="24" y="32" font-size="16" font-weight="bold" fill="#111827">${esc(title)}</text>`;
  let legend = "";
  if (run) {
    legend = legendStates
      .map((s, i) => {
        const x = 24 + i * 120;
        const y = height - 30;
        return `<g class="legend"><rect x="${x}" y="${y}" width="14" height="14" rx="3" fill="${palette[s].fill}" stroke="${palette[s].stroke}" stroke-width="2"/><text x="${x + 20}" y="${y + 11.5}" font-size="12" fill="#374151">${s}</text></g>`;
      })
      .join("");
  }
  const w = Math.max(widest + 12, run ? 24 + legendStates.length * 120 : 0, title.length * 9 + 48);
  // The drawing is centred when the legend or the title is wider than it.
  const dx = widest > width ? 0 : (w - width) / 2;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r(w)}" height="${r(height)}" viewBox="0 0 ${r(w)} ${r(height)}" ${FONT} role="img" aria-label="${esc(title)}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#4b5563"/></marker></defs>` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${header}` +
    `<g transform="translate(${r(dx)} 0)">${parts.join("")}</g>${legend}</svg>\n`
  );
}
