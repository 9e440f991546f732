import type { NodeInfo } from "../../core/endpoint-registry.js";
import { utf8 } from "../../core/utf8.js";

const decoder = new TextDecoder();

/** Announcements are JSON whatever the node's codec, so that any peer (or `nats sub`) can read them. */
export function encodeInfo(info: NodeInfo): Uint8Array {
  return utf8(JSON.stringify(info));
}

const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Reads an announcement from the bus; anything malformed is `undefined` (and ignored). */
export function decodeInfo(data: Uint8Array): NodeInfo | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(decoder.decode(data)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== "object") return undefined;
  const { id, host, pid, version, stage, services, startedAt, transport, ready, load } = v;
  if (!isString(id) || !/^[\w-]{1,64}$/.test(id) || !isString(host) || !isNumber(pid)) return undefined;
  if (!isString(version) || !isString(stage) || !isNumber(startedAt) || !isString(transport))
    return undefined;
  if (typeof ready !== "boolean" || !Array.isArray(services)) return undefined;
  const list: { name: string; entries: string[] }[] = [];
  for (const s of services as unknown[]) {
    const { name, entries } = (s ?? {}) as Record<string, unknown>;
    if (!isString(name) || !Array.isArray(entries) || !entries.every(isString)) return undefined;
    list.push({ name, entries });
  }
  const l = (load ?? {}) as Record<string, unknown>;
  return {
    id,
    host,
    pid,
    version,
    stage,
    services: list,
    startedAt,
    transport,
    ready,
    load: { inFlight: isNumber(l.inFlight) ? l.inFlight : 0, served: isNumber(l.served) ? l.served : 0 },
  };
}

/** The id in a `hello` or `leave` message. */
export function decodeId(data: Uint8Array): string | undefined {
  try {
    const { id } = JSON.parse(decoder.decode(data)) as { id?: unknown };
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

export function encodeId(id: string): Uint8Array {
  return utf8(JSON.stringify({ id }));
}
