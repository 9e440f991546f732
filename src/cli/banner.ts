import type { Project } from "../config/load-project.js";
import { maskUrl } from "../core/mask-url.js";
import type { Route } from "../core/routes.js";
import { type Colors, table } from "./output.js";
import { sampleInput } from "./sample-input.js";

/** A route as the banner shows it. */
export interface RouteHint {
  readonly method: string;
  readonly path: string;
  readonly entry: string;
  readonly sample?: unknown;
}

export function routeHints(routes: readonly Route[]): RouteHint[] {
  return routes.map((r) => {
    const hint = { method: r.method, path: r.path, entry: r.entry.id };
    const sample = sampleInput(r.entry.options.input);
    return sample === undefined ? hint : { ...hint, sample };
  });
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** A curl command that calls a route with its sample input. */
export function curlOf(url: string, hint: RouteHint): string {
  const input: Record<string, unknown> =
    typeof hint.sample === "object" && hint.sample !== null ? { ...(hint.sample as object) } : {};
  const path = hint.path.replace(/:(\w+)/g, (_, name: string) => {
    const value = input[name] ?? 1;
    delete input[name];
    return encodeURIComponent(String(value));
  });
  if (hint.method === "GET" || hint.method === "DELETE") {
    const query = new URLSearchParams(
      Object.entries(input).map(([k, v]): [string, string] => [
        k,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    ).toString();
    const verb = hint.method === "DELETE" ? "-X DELETE " : "";
    return `curl -s ${verb}${quote(`${url}${path}${query === "" ? "" : `?${query}`}`)}`;
  }
  // The path's parameters travel in the path only: the body holds the rest of the sample.
  const sent = typeof hint.sample === "object" && hint.sample !== null ? input : hint.sample;
  const body =
    sent === undefined || (sent === input && Object.keys(input).length === 0)
      ? ""
      : ` -H 'content-type: application/json' -d ${quote(JSON.stringify(sent))}`;
  return `curl -s -X ${hint.method} ${url}${path}${body}`;
}

/** What a running project tells about itself (plain data: it travels from a dev worker to its supervisor). */
export interface ProjectSummary {
  readonly name: string;
  readonly stage: string;
  /** The system's name on a shared NATS, when it has one. */
  readonly system?: string;
  readonly transport: string;
  readonly store: string;
  readonly routes: readonly RouteHint[];
}

/**
 * The summary of `project` as its node runs it; `transport` says what the node's transport is
 * (`transportSummary`: the direct links of a brokerless node), else the transport setting.
 */
export function projectSummary(
  project: Project,
  routes: readonly Route[],
  transport?: string,
): ProjectSummary {
  const { settings } = project;
  return {
    name: project.name,
    stage: project.stage,
    ...(settings.system === undefined ? {} : { system: settings.system }),
    transport: transport ?? maskUrl(settings.transport),
    store: settings.store.display,
    routes: routeHints(routes),
  };
}

/** What `tesserae start` and `tesserae dev` print once listening: where, what, and how to call it. */
export function banner(c: Colors, info: ProjectSummary, url: string, extra = ""): string {
  const lines = [
    `${c.bold(info.name)} ${c.dim(`· stage ${info.stage}${info.system === undefined ? "" : ` · system ${info.system}`} · transport ${info.transport} · store ${info.store}`)}`,
    `listening on ${c.cyan(url)}${extra}`,
    "",
  ];
  const { routes } = info;
  if (routes.length === 0) lines.push("  no routes in this stage");
  else lines.push(table(routes.map((r) => [`  ${c.bold(r.method)}`, r.path, c.dim(r.entry)])));
  lines.push("", "try:");
  // Routes without path parameters first: a sample value in a path (a flow's or an account's id)
  // names nothing that exists, and the suggested call answered 404.
  const plain = routes.filter((r) => !r.path.includes(":"));
  for (const r of [...plain, ...routes.filter((r) => r.path.includes(":"))].slice(0, 3))
    lines.push(`  ${curlOf(url, r)}`);
  lines.push(`  curl -s ${url}/openapi.json`, "");
  return lines.join("\n");
}
