// service_framework's addresses files, recognised so that their errors say what to write instead.
// Its files are one per service, in sections ("connections"/"states", then "in"/"out"), a role per
// name and a ZeroMQ URL per role: {"connections": {"in": {"cancel_order": {"replyer": "tcp://127.0.0.1:7999"}}}}.
// Ours is one flat file for the system: {"cancel_order": "127.0.0.1:7999"}.

/** Fields of an entry in our format. */
export const ENTRY_FIELDS: ReadonlySet<string> = new Set(["subject", "endpoint", "topics"]);

/** Sections of a service_framework addresses file. */
const SECTIONS = new Set(["connections", "states", "in", "out"]);

/** Keys of a service_framework entry: a socket's role, or how an address is spelt elsewhere. */
const SEED_FIELDS = new Set([
  "replyer",
  "replier",
  "requester",
  "publisher",
  "subscriber",
  "type",
  "role",
  "address",
  "url",
  "bind",
  "connect",
]);

const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*):(\d{1,5})$/;

/** True for a `host:port` endpoint (`127.0.0.1:7001`, `feed.internal:7001`): a direct socket, not a subject. */
export function isEndpoint(value: unknown): value is string {
  const m = typeof value === "string" ? hostPort.exec(value) : null;
  return m !== null && Number(m[3]) > 0 && Number(m[3]) < 65_536;
}

/** `host:port` for `host:port` or ZeroMQ's `tcp://host:port` (the same endpoint); else `undefined`. */
export function endpointOf(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const bare = value.startsWith("tcp://") ? value.slice("tcp://".length) : value;
  return isEndpoint(bare) ? bare : undefined;
}

/** What is wrong with `value`, a string with a colon that is no endpoint, and what to write instead. */
export function endpointProblem(value: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1];
  const rest = scheme === undefined ? value : value.slice(scheme.length + 3);
  const port = /^\*:(\d{1,5})$/.exec(rest)?.[1];
  if ((scheme === undefined || scheme === "tcp") && port !== undefined) {
    return `"${value}" binds every interface in ZeroMQ, but here one endpoint serves both sides (the server listens on it, the others connect to it): give the host the others reach, e.g. "127.0.0.1:${port}"`;
  }
  if (scheme !== undefined && scheme !== "tcp") {
    return `"${value}": only TCP endpoints are supported ("host:port" or "tcp://host:port"), not ${scheme}://`;
  }
  return `"${value}" is neither a subject nor a host:port endpoint (e.g. "127.0.0.1:7101")`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True for an object in service_framework's form (`{ "replyer": "tcp://…" }`, `{ "type", "address" }`). */
export function isSeedEntry(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.some((k) => SEED_FIELDS.has(k)) && keys.every((k) => SEED_FIELDS.has(k) || ENTRY_FIELDS.has(k));
}

/** The endpoints (or subjects) of a service_framework entry, in order, without repeats. */
export function seedEndpoints(value: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === "type" || k === "role") continue;
    const e = endpointOf(v) ?? (typeof v === "string" && !v.includes(":") ? v : undefined);
    if (e !== undefined && !found.includes(e)) found.push(e);
  }
  return found;
}

/** True when a top-level entry is a section of service_framework's layout rather than one of ours. */
export function isSeedSection(name: string, value: unknown): boolean {
  return SECTIONS.has(name) && isObject(value) && Object.keys(value).some((k) => !ENTRY_FIELDS.has(k));
}

/**
 * The flat file that a service_framework layout means: each name with the first endpoint found
 * under it (a state's two sockets, `subscriber` and `requester`, become one endpoint here).
 * `several` lists the names that had more than one.
 */
export function flatFromSeed(value: Record<string, unknown>): {
  readonly flat: Record<string, string>;
  readonly several: readonly string[];
} {
  const flat: Record<string, string> = {};
  const several = new Set<string>();
  const put = (name: string, address: string) => {
    if (flat[name] === undefined) flat[name] = address;
    else if (flat[name] !== address) several.add(name);
  };
  const walk = (node: Record<string, unknown>, name: string | undefined, depth: number) => {
    if (depth > 8) return;
    for (const [k, v] of Object.entries(node)) {
      const named = SECTIONS.has(k) || SEED_FIELDS.has(k) || ENTRY_FIELDS.has(k) ? name : k;
      if (isObject(v)) walk(v, named, depth + 1);
      else if (typeof v === "string" && named !== undefined && k !== "type" && k !== "role") {
        const e = endpointOf(v);
        if (e !== undefined) put(named, e);
      }
    }
  };
  for (const [k, v] of Object.entries(value))
    if (isSeedSection(k, v)) walk(v as Record<string, unknown>, undefined, 0);
  return { flat, several: [...several] };
}
