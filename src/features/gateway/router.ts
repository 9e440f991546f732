import type { Route } from "../../core/routes.js";

export type RouteMatch =
  | {
      readonly kind: "found";
      readonly route: Route;
      readonly params: Readonly<Record<string, string>> | undefined;
    }
  | { readonly kind: "wrong-method"; readonly allow: readonly string[] }
  | { readonly kind: "none" };

interface DynamicRoute {
  readonly route: Route;
  /** Literal segments, or `undefined` where a parameter stands. */
  readonly segments: readonly (string | undefined)[];
}

const none: RouteMatch = { kind: "none" };

function allowOf(methods: Iterable<string>): string[] {
  const allow = new Set(methods);
  if (allow.has("GET")) allow.add("HEAD");
  allow.add("OPTIONS");
  return [...allow].sort();
}

/**
 * Matches a method and a raw path to a route. Static paths are one map lookup (the hot path);
 * paths with parameters are matched segment by segment, literal segments winning over parameters.
 */
export class Router {
  /** Static paths → verb → a ready-made match (the hot path allocates nothing). */
  private readonly statics = new Map<string, Map<string, RouteMatch>>();
  private readonly dynamics = new Map<number, DynamicRoute[]>();

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      if (route.params.length === 0) {
        const byMethod = this.statics.get(route.path) ?? new Map<string, RouteMatch>();
        byMethod.set(route.method, { kind: "found", route, params: undefined });
        this.statics.set(route.path, byMethod);
        continue;
      }
      const segments = route.path
        .split("/")
        .slice(1)
        .map((s) => (s.startsWith(":") ? undefined : s));
      const list = this.dynamics.get(segments.length) ?? [];
      list.push({ route, segments });
      // More literal segments first, so `/orders/latest` beats `/orders/:id`.
      list.sort((x, y) => y.segments.filter(Boolean).length - x.segments.filter(Boolean).length);
      this.dynamics.set(segments.length, list);
    }
  }

  /** `path` is the raw path (percent-encoded, no query string). Throws URIError on bad encoding. */
  match(method: string, path: string): RouteMatch {
    const verb = method === "HEAD" ? "GET" : method;
    const byMethod = this.statics.get(path);
    if (byMethod !== undefined) {
      const found = byMethod.get(verb);
      if (found !== undefined) return found;
    }
    const parts = path.split("/").slice(1);
    const candidates = this.dynamics.get(parts.length);
    const allowed: string[] = byMethod ? [...byMethod.keys()] : [];
    if (candidates !== undefined) {
      for (const { route, segments } of candidates) {
        if (!segments.every((s, i) => s === undefined || s === parts[i])) continue;
        if (route.method !== verb) {
          allowed.push(route.method);
          continue;
        }
        const params: Record<string, string> = {};
        let p = 0;
        for (let i = 0; i < segments.length; i++) {
          if (segments[i] === undefined) params[route.params[p++]!] = decodeURIComponent(parts[i]!);
        }
        return { kind: "found", route, params };
      }
    }
    if (allowed.length > 0) return { kind: "wrong-method", allow: allowOf(allowed) };
    return none;
  }

  /** The verbs a path accepts (for OPTIONS), or `undefined` for an unknown path. */
  allow(path: string): readonly string[] | undefined {
    const m = this.match("\u0000", path);
    return m.kind === "wrong-method" ? m.allow : undefined;
  }
}
