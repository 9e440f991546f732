import { type FlowGraph, legendStates } from "./flow-graph.js";
import { labelSize, layout, type Placed, type Point } from "./layout.js";
import { palette } from "./palette.js";

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const r = (n: number) => Math.round(n * 10) / 10;
const FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"';

/**
 * A smooth line through the routed points (a uniform B-spline, as d3's curveBasis draws dagre's
 * edges): it starts and ends on the first and last points and bends towards the others.
 */
function smooth(points: readonly Point[]): string {
  const [first, ...rest] = points;
  if (first === undefined) return "";
  if (rest.length <= 1)
    return `M ${r(first.x)} ${r(first.y)}${rest.map((p) => ` L ${r(p.x)} ${r(p.y)}`).join("")}`;
  let d = `M ${r(first.x)} ${r(first.y)}`;
  let p0 = first;
  let p1 = rest[0]!;
  d += ` L ${r((5 * p0.x + p1.x) / 6)} ${r((5 * p0.y + p1.y) / 6)}`;
  for (const p of [...rest.slice(1), rest[rest.length - 1]!]) {
    d += ` C ${r((2 * p0.x + p1.x) / 3)} ${r((2 * p0.y + p1.y) / 3)}, ${r((p0.x + 2 * p1.x) / 3)} ${r((p0.y + 2 * p1.y) / 3)}, ${r((p0.x + 4 * p1.x + p.x) / 6)} ${r((p0.y + 4 * p1.y + p.y) / 6)}`;
    p0 = p1;
    p1 = p;
  }
  return `${d} L ${r(p1.x)} ${r(p1.y)}`;
}

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
  const { placed, edges, width, height: h0 } = layout(graph);
  const height = h0 + (run ? 40 : 0);
  const parts: string[] = [];
  for (const { edge, points, label } of edges) {
    parts.push(
      `<path class="edge" d="${smooth(points)}" fill="none" stroke="#4b5563" stroke-width="1.5" marker-end="url(#arrow)"/>`,
    );
    if (edge.label !== undefined && label !== undefined) {
      const { w, h } = labelSize(edge.label);
      parts.push(
        `<g class="edge-label"><rect x="${r(label.x - w / 2)}" y="${r(label.y - h / 2 - 1)}" width="${r(w)}" height="${h}" rx="3" fill="#ffffff" stroke="#d1d5db"/>` +
          `<text x="${r(label.x)}" y="${r(label.y + 3)}" text-anchor="middle" font-size="11" fill="#374151">${esc(edge.label)}</text></g>`,
      );
    }
  }
  for (const p of placed.values()) parts.push(box(p, run));
  const ended = graph.error === undefined ? "" : ` (${graph.error})`;
  const title = run ? `${graph.title} — ${graph.status}${ended}` : graph.title;
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
  const w = Math.max(width, run ? 24 + legendStates.length * 120 : 0, title.length * 9 + 48);
  // The drawing is centred when the legend or the title is wider than it.
  const dx = (w - width) / 2;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r(w)}" height="${r(height)}" viewBox="0 0 ${r(w)} ${r(height)}" ${FONT} role="img" aria-label="${esc(title)}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#4b5563"/></marker></defs>` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${header}` +
    `<g transform="translate(${r(dx)} 0)">${parts.join("")}</g>${legend}</svg>\n`
  );
}
