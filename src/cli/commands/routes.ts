import type { Project } from "../../config/load-project.js";
import { projectServices } from "../../config/project-composition.js";
import { silentLogger } from "../../core/logger.js";
import { type Route, routeOf, routeTable } from "../../core/routes.js";
import type { ServiceDef } from "../../core/service.js";
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

/**
 * The routes of the services in the project's stage (or of every stage), as rows. `services`: every
 * service the project's node serves, its features' included (see `projectServices`).
 */
export function routeRows(project: Project, services: readonly ServiceDef[], allStages: boolean): RouteRow[] {
  const routes: Route[] = allStages
    ? services.flatMap((svc) => Object.values(svc.entries).map((ref) => routeOf(svc, ref)))
    : routeTable(services, project.stage);
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
  description:
    "Lists the HTTP routes that `tesserae start` serves in the stage (--stage, default dev): the project's\n" +
    "entries and those of the features its file declares (flows, declared flows, event sourcing).",
  examples: ["tesserae routes", "tesserae routes --stage prod --json"],
  options: [
    { name: "json", type: "boolean", description: "Print JSON instead of a table" },
    { name: "all", type: "boolean", description: "Every entry, whatever its stages" },
  ],
  async run(ctx) {
    const project = await ctx.project();
    const services = projectServices(project, silentLogger);
    const rows = routeRows(project, services, ctx.options.all === true);
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
    const total = services.reduce((n, svc) => n + Object.keys(svc.entries).length, 0);
    if (ctx.options.all !== true && rows.length < total) {
      ctx.out.err(c.dim("(entries of other stages are left out: --all lists them)"));
    }
    return 0;
  },
};
