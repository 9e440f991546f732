import type { EntryRef, HttpVerb } from "./context.js";
import { TesseraError } from "./errors.js";
import type { ServiceDef } from "./service.js";

/** One HTTP route of an entry, derived from its name or its `route` option. */
export interface Route {
  readonly method: HttpVerb;
  /** With `:name` parameters, e.g. `/orders/:id`. */
  readonly path: string;
  readonly params: readonly string[];
  readonly entry: EntryRef;
  readonly service: ServiceDef;
}

const verbs: Record<string, HttpVerb> = {
  get: "GET",
  post: "POST",
  put: "PUT",
  patch: "PATCH",
  delete: "DELETE",
};
const verbPrefix = /^(get|post|put|patch|delete)(?=$|[A-Z0-9_])/;
const segment = /^(:[a-zA-Z_]\w*|[\w.~-]+)$/;

/** `ContentItems` → `content-items`. */
function kebab(name: string): string {
  return name
    .replace(/^_+/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();
}

function invalid(entry: EntryRef, why: string): TesseraError {
  return TesseraError.definition(entry.id, `${entry.id}: ${why}`);
}

function parsePath(entry: EntryRef, path: string): string[] {
  if (!path.startsWith("/")) throw invalid(entry, `route path "${path}" must start with "/"`);
  const parts = path.split("/").slice(1);
  if (parts.length === 1 && parts[0] === "") return [];
  const params: string[] = [];
  for (const part of parts) {
    if (!segment.test(part)) throw invalid(entry, `route path "${path}" has an invalid segment "${part}"`);
    if (part.startsWith(":")) {
      const name = part.slice(1);
      if (params.includes(name)) throw invalid(entry, `route path "${path}" repeats the parameter :${name}`);
      params.push(name);
    }
  }
  return params;
}

/**
 * The route of one entry. By convention a verb prefix gives the method (`getContent` → `GET`,
 * no prefix → `POST`) and the rest of the name, in kebab case, the path under the service's base
 * path; `params` appends `/:param` segments. `route: "GET /orders/:id"` (or a path alone) overrides.
 *
 * @example
 * routeOf(text, text.entries.getContent) // { method: "GET", path: "/text/content", params: [] }
 */
export function routeOf(svc: ServiceDef, entry: EntryRef): Route {
  const { route, params: extra } = entry.options;
  const match = verbPrefix.exec(entry.name);
  let method: HttpVerb = match ? (verbs[match[1]!] ?? "POST") : "POST";
  let path: string;
  if (route !== undefined) {
    const parts = route.trim().split(/\s+/);
    if (parts.length === 2) {
      const verb = parts[0]!.toUpperCase();
      if (!Object.values(verbs).includes(verb as HttpVerb))
        throw invalid(entry, `route "${route}" has an unknown verb`);
      method = verb as HttpVerb;
      path = parts[1]!;
    } else if (parts.length === 1) {
      path = parts[0]!;
    } else {
      throw invalid(entry, `route "${route}" must be "VERB /path" or "/path"`);
    }
    if (extra !== undefined) throw invalid(entry, "give path parameters in `route` or in `params`, not both");
  } else {
    const base = svc.options.basePath ?? `/${svc.name}`;
    const rest = kebab(match ? entry.name.slice(match[0].length) : entry.name);
    path = `${base === "/" ? "" : base}${rest === "" ? "" : `/${rest}`}${(extra ?? []).map((p) => `/:${p}`).join("")}`;
    if (path === "") path = "/";
  }
  const params = parsePath(entry, path);
  if (params.length > 0 && entry.options.input === undefined) {
    throw invalid(entry, `route "${method} ${path}" has path parameters but the entry has no input schema`);
  }
  return { method, path, params, entry, service: svc };
}

/**
 * The routes of all services for a stage, refusing duplicates (same verb, same path shape) with
 * both entries named.
 */
export function routeTable(services: readonly ServiceDef[], stage: string): Route[] {
  const seen = new Map<string, Route>();
  const out: Route[] = [];
  for (const svc of services) {
    for (const entry of Object.values(svc.entries)) {
      if (!inStage(entry, stage)) continue;
      const r = routeOf(svc, entry);
      const shape = `${r.method} ${r.path.replace(/:[^/]+/g, ":")}`;
      const other = seen.get(shape);
      if (other) {
        throw TesseraError.definition(
          r.entry.id,
          `duplicate route ${r.method} ${r.path}: ${other.entry.id} and ${r.entry.id} both claim it`,
        );
      }
      seen.set(shape, r);
      out.push(r);
    }
  }
  return out;
}

/** True when the entry exists in `stage`. */
export function inStage(entry: EntryRef, stage: string): boolean {
  const stages = entry.options.stages;
  return stages === undefined || stages.includes(stage);
}
