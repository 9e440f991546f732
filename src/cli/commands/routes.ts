import type { Project } from "../../config/load-project.js";
import { type Route, routeOf, routeTable } from "../../core/routes.js";
import type { CliCommand } from "../command.js";
import { table } from "../output.js";

/** One line of the route table. */
export interface RouteRow {
  readonly method: string;
  readonly path: string;
  readonly entry: string;
  readonly auth: "token" | "none";
  readonly stages: readonly string[] | "all";
  readonly summary?: string;
}

/** The routes of the project in its stage (or of every stage), as rows. */
export function routeRows(project: Project, allStages: boolean): RouteRow[] {
  const routes: Route[] = allStages
    ? project.services.flatMap((svc) => Object.values(svc.entries).map((ref) => routeOf(svc, ref)))
    : routeTable(project.services, project.stage);
  const gatewayAuth = project.settings.gateway.authorize !== undefined;
  return routes.map((r) => {
    const { stages, noAuth, summary } = r.entry.options;
    const secured = (r.service.options.authorize !== undefined || gatewayAuth) && noAuth !== true;
    const row: RouteRow = {
      method: r.method,
      path: r.path,
      entry: r.entry.id,
      auth: secured ? "token" : "none",
      stages: stages === undefined ? "all" : [...stages],
    };
    return summary === undefined ? row : { ...row, summary };
  });
}

export const routesCommand: CliCommand = {
  name: "routes",
  summary: "Print the route table (verb, path, entry, auth, stages)",
  usage: "tesserae routes [--all] [--json]",
  description: "Lists the HTTP routes of the project's entries in the stage (--stage, default dev).",
  examples: ["tesserae routes", "tesserae routes --stage prod --json"],
  options: [
    { name: "json", type: "boolean", description: "Print JSON instead of a table" },
    { name: "all", type: "boolean", description: "Every entry, whatever its stages" },
  ],
  async run(ctx) {
    const project = await ctx.project();
    const rows = routeRows(project, ctx.options.all === true);
    if (ctx.options.json === true) {
      ctx.out.out(JSON.stringify(rows, null, 2));
      return 0;
    }
    const c = ctx.out.color;
    const scope = ctx.options.all === true ? "every stage" : `stage ${project.stage}`;
    if (rows.length === 0) {
      ctx.out.out(`no routes in ${scope}`);
      return 0;
    }
    ctx.out.out(
      table([
        ["VERB", "PATH", "ENTRY", "AUTH", "STAGES"].map((h) => c.dim(h)),
        ...rows.map((r) => [
          c.bold(r.method),
          r.path,
          c.cyan(r.entry),
          r.auth === "token" ? c.yellow("token") : "none",
          r.stages === "all" ? "all" : r.stages.join(","),
        ]),
      ]),
    );
    const total = project.services.reduce((n, svc) => n + Object.keys(svc.entries).length, 0);
    if (ctx.options.all !== true && rows.length < total) {
      ctx.out.err(c.dim("(entries of other stages are left out: --all lists them)"));
    }
    return 0;
  },
};
