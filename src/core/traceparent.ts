import { zeroSpanId, zeroTraceId } from "./trace-ids.js";

/**
 * What a call carries of its trace (W3C Trace Context): the trace it belongs to and the span that
 * made it — the caller's own span, or the parent that came in a `traceparent` header.
 */
export interface TraceParent {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits; `undefined` at the root of a trace started here (no span yet). */
  readonly spanId: string | undefined;
  /** Trace flags as two hex digits: `01` sampled, `00` not. */
  readonly flags: string;
  /** The `tracestate` header (vendor data), passed along unchanged. */
  readonly state: string | undefined;
}

/** Header names (lower-case, as HTTP/2 and our transports carry them). */
export const traceHeaders = { parent: "traceparent", state: "tracestate" } as const;

// Tested, then sliced at fixed offsets: `exec` with captures allocated an array and five strings per call.
const parentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(?:-.*)?$/;
const statePattern =
  /^[ \t]*(?:[a-z0-9][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})=[ -+\--<>-~]{0,255}[!-+\--<>-~][ \t]*$/;

/**
 * The `traceparent` header's value: version `00`, the trace id, the span id of the caller and the
 * flags.
 *
 * @example
 * formatTraceparent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "01")
 * // "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
 */
export function formatTraceparent(traceId: string, spanId: string, flags: string): string {
  return `00-${traceId}-${spanId}-${flags}`;
}

/**
 * A valid `tracestate`, normalised (members joined by `,`), or `undefined` when it is absent,
 * empty or malformed (W3C: a malformed one is dropped, the trace goes on without it).
 */
export function parseTracestate(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = typeof value === "string" ? value : value.join(",");
  if (joined.length > 4096) return undefined;
  const members: string[] = [];
  for (const member of joined.split(",")) {
    if (member.trim() === "") continue;
    if (!statePattern.test(member)) return undefined;
    members.push(member.trim());
  }
  return members.length === 0 || members.length > 32 ? undefined : members.join(",");
}

/**
 * Reads a `traceparent` header (and its `tracestate`): the caller's trace, or `undefined` when it
 * is absent or malformed — then a new trace starts. Versions above `00` are read for their first
 * four fields, as the specification asks; only the sampled flag is kept.
 *
 * @example
 * parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
 * // { traceId: "4bf92f35…", spanId: "00f067aa0ba902b7", flags: "01", state: undefined }
 */
export function parseTraceparent(
  value: string | undefined,
  state?: string | readonly string[] | undefined,
): TraceParent | undefined {
  if (value === undefined) return undefined;
  if (!parentPattern.test(value)) return undefined;
  const version = value.slice(0, 2);
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (version === "ff" || (version === "00" && value.length > 55)) return undefined;
  if (traceId === zeroTraceId || spanId === zeroSpanId) return undefined;
  return {
    traceId,
    spanId,
    flags: (Number.parseInt(flags, 16) & 1) === 1 ? "01" : "00",
    state: parseTracestate(state),
  };
}
