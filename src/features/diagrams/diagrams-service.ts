import { z } from "zod";
import { entry } from "../../core/entry.js";
import { type ServiceDef, service } from "../../core/service.js";
import type { DeclaredFlows } from "../declared-flows/declared-flows.js";
import type { FlowEngine } from "../flows/engine.js";
import { reply } from "../gateway/reply.js";
import { FlowDiagrams } from "./flow-diagrams.js";
import type { FlowGraph } from "./flow-graph.js";
import { toMermaid } from "./mermaid.js";
import { toSvg } from "./svg.js";

const svg = (g: FlowGraph) =>
  reply(new TextEncoder().encode(toSvg(g)), { headers: { "content-type": "image/svg+xml; charset=utf-8" } });
const mermaid = (g: FlowGraph) =>
  reply(new TextEncoder().encode(toMermaid(g)), { headers: { "content-type": "text/plain; charset=utf-8" } });

const Name = z.object({
  name: z.string().min(1).max(200),
  version: z.coerce.number().int().min(1).optional(),
});
const RunId = z.object({ runId: z.string().min(1).max(128) });

/**
 * The diagrams of flows over HTTP: `GET /flows/:name/diagram.svg` (or `.mmd` for Mermaid text) and
 * `GET /flows/runs/:runId/diagram.svg` (each step coloured by its state).
 */
export function diagramsService(engine: FlowEngine, declared?: DeclaredFlows): ServiceDef {
  const diagrams = new FlowDiagrams(engine, declared);
  const flow = ({ name, version }: z.infer<typeof Name>) => diagrams.flow(name, version);
  return service("diagrams", {
    description: "Diagrams of flows and of their runs (SVG and Mermaid)",
    basePath: "/flows",
    entries: {
      flowSvg: entry(
        { route: "GET /flows/:name/diagram.svg", input: Name, summary: "A flow's diagram (SVG)" },
        async (q) => svg(await flow(q)),
      ),
      flowMermaid: entry(
        { route: "GET /flows/:name/diagram.mmd", input: Name, summary: "A flow's diagram (Mermaid)" },
        async (q) => mermaid(await flow(q)),
      ),
      runSvg: entry(
        {
          route: "GET /flows/runs/:runId/diagram.svg",
          input: RunId,
          summary: "A run's diagram, steps by state (SVG)",
        },
        async ({ runId }) => svg(await diagrams.run(runId)),
      ),
      runMermaid: entry(
        { route: "GET /flows/runs/:runId/diagram.mmd", input: RunId, summary: "A run's diagram (Mermaid)" },
        async ({ runId }) => mermaid(await diagrams.run(runId)),
      ),
    },
  });
}
