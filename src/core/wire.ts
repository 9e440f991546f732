import {
  errorOfReply,
  errorReplyOf,
  type Headers,
  type Reply,
  type TransportMessage,
} from "../ports/transport.js";
import type { CallMeta } from "./call-meta.js";
import type { Codec } from "./codec.js";
import type { Identity } from "./context.js";
import { TesseraError } from "./errors.js";
import { newSpanId, newTraceId } from "./trace-ids.js";
import { formatTraceparent, parseTraceparent, traceHeaders } from "./traceparent.js";

/** Subjects and headers of Tesserae on a transport. */
export const subjects = {
  entry: (service: string, entry: string) => `tessera.svc.${service}.${entry}`,
  event: (name: string) => `tessera.evt.${name}`,
  /** Where a durable event goes when the handler `key` of `service` gave up on it. */
  deadLetter: (service: string, key: string) => `tessera.dlq.${service}.${key}`,
  /** An entry served by one node: callers that know the live nodes (discovery) choose the instance. */
  node: (node: string, service: string, entry: string) => `tessera.node.${node}.${service}.${entry}`,
  /** Every subject of one node (its one subscription). */
  nodeAll: (node: string) => `tessera.node.${node}.>`,
  /** Answered by a node while it serves: "no responders" on it means the node is gone. */
  nodePing: (node: string) => `tessera.node.${node}._ping`,
} as const;

const H = {
  requestId: "tessera-request-id",
  deadline: "tessera-deadline",
  identity: "tessera-identity",
} as const;

/**
 * The headers of a call or an event. `traceparent` names the span that sends it (a new one at the
 * root of a trace started here), so that the receiver's span is its child.
 */
export function metaToHeaders(meta: CallMeta): Headers {
  const headers: Record<string, string> = { [H.requestId]: meta.requestId };
  if (meta.deadline !== undefined) headers[H.deadline] = String(meta.deadline);
  if (meta.identity !== undefined) headers[H.identity] = JSON.stringify(meta.identity);
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
  return {
    requestId: headers[H.requestId] ?? fallbackId(),
    identity,
    deadline: Number.isFinite(deadline) && deadline > 0 ? deadline : undefined,
    signal: undefined,
    trace: parseTraceparent(headers[traceHeaders.parent], headers[traceHeaders.state]),
  };
}

export function okReply(codec: Codec, value: unknown): Reply {
  return { data: codec.encode(value) };
}

export const errorReply: (err: unknown) => Reply = errorReplyOf;

/** Decodes a reply: its value, or the remote error thrown again here. */
export function readReply(codec: Codec, msg: TransportMessage): unknown {
  const remoteError = errorOfReply(msg);
  if (remoteError !== undefined) throw remoteError;
  try {
    return codec.decode(msg.data);
  } catch (cause) {
    throw new TesseraError("TESSERA_INTERNAL", "undecodable reply from a remote service", { cause });
  }
}
