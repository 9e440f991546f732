import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { TesseraError } from "../../core/errors.js";
import type { CliContext } from "../command.js";

/**
 * `tesserae flows show <flow> [--svg file] [--run <runId>]`: a flow's (or a run's) diagram from a
 * running node: Mermaid text on stdout, or the SVG written to a file.
 */
export async function showDiagram(
  ctx: CliContext,
  base: string,
  token: string | undefined,
  flow: string | undefined,
): Promise<number> {
  const run = typeof ctx.options.run === "string" ? ctx.options.run : undefined;
  if (flow === undefined && run === undefined) throw TesseraError.badRequest("give a flow, or --run <runId>");
  const svgFile = typeof ctx.options.svg === "string" ? ctx.options.svg : undefined;
  const path =
    run === undefined
      ? `/flows/${encodeURIComponent(flow!)}/diagram`
      : `/flows/runs/${encodeURIComponent(run)}/diagram`;
  const url = new URL(`${path}.${svgFile === undefined ? "mmd" : "svg"}`, base);
  const res = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (!res.ok) {
    let error: unknown;
    try {
      error = (JSON.parse(text) as { error?: unknown }).error;
    } catch {
      /* not JSON */
    }
    throw TesseraError.fromBody(
      error ?? { code: "TESSERA_UNAVAILABLE", message: `${url} answered ${res.status}` },
    );
  }
  if (svgFile === undefined) {
    ctx.out.out(text.trimEnd());
    return 0;
  }
  writeFileSync(resolve(svgFile), text);
  ctx.out.out(`wrote ${svgFile} (${text.length} bytes)`);
  return 0;
}
