import type { CallMeta } from "./call-meta.js";
import type { Identity } from "./identity.js";
import { newSpanId, newTraceId } from "./trace-ids.js";
import { formatTraceparent, parseTraceparent, traceHeaders } from "./traceparent.js";
import type { Headers } from "./transport-message.js";

const H = {
  requestId: "tessera-request-id",
  deadline: "tessera-deadline",
  identity: "tessera-identity",
  idempotencyKey: "tessera-idempotency-key",
  fencingToken: "tessera-fencing-token",
} as const;

/**
 * The headers of a call or an event. `traceparent` names the span that sends it (a new one at the
 * root of a trace started here), so that the receiver's span is its child.
 */
export function metaToHeaders(meta: CallMeta): Headers {
  const headers: Record<string, string> = { [H.requestId]: meta.requestId };
  if (meta.deadline !== undefined) headers[H.deadline] = String(meta.deadline);
  if (meta.identity !== undefined) headers[H.identity] = JSON.stringify(meta.identity);
  if (meta.idempotencyKey !== undefined) headers[H.idempotencyKey] = meta.idempotencyKey;
  if (meta.fencingToken !== undefined) headers[H.fencingToken] = String(meta.fencingToken);
  const trace = meta.trace;
  headers[traceHeaders.parent] = formatTraceparent(
    trace?.traceId ?? newTraceId(),
    trace?.spanId ?? newSpanId(),
    trace?.flags ?? "01",
  );
  if (trace?.state !== undefined) headers[traceHeaders.state] = trace.state;
  return headers;
}

export function headersToMeta(headers: Headers, fallbackId: () => string): CallMeta {
  const deadline = Number(headers[H.deadline]);
  let identity: Identity | undefined;
  const raw = headers[H.identity];
  if (raw !== undefined) {
    try {
      identity = JSON.parse(raw) as Identity;
    } catch {
      identity = undefined;
    }
  }
  const meta: CallMeta = {
    requestId: headers[H.requestId] ?? fallbackId(),
    identity,
    deadline: Number.isFinite(deadline) && deadline > 0 ? deadline : undefined,
    signal: undefined,
    trace: parseTraceparent(headers[traceHeaders.parent], headers[traceHeaders.state]),
  };
  const key = headers[H.idempotencyKey];
  if (key === undefined) return meta;
  const token = headers[H.fencingToken];
  return token !== undefined && /^\d{1,15}$/.test(token)
    ? { ...meta, idempotencyKey: key, fencingToken: Number(token) }
    : { ...meta, idempotencyKey: key };
}
