import type { Codec } from "./codec.js";
import { TesseraError } from "./errors.js";
import { Reply } from "./reply.js";
import type { TransportMessage, WireReply } from "./transport-message.js";
import { utf8 } from "./utf8.js";
import { reviveWireDates, wireDatesHeader, wireDatesMarks } from "./wire-dates.js";

/** Where a request really went, when the transport changes the subject (a system's prefix on NATS). */
export interface WireSubject {
  /** The subject on the wire, e.g. `shop.tessera.svc.text.upper`. */
  readonly subject: string;
  /** The system whose subject space it is in. */
  readonly system?: string | undefined;
}

/**
 * The failure of a request that nobody serves. Adapters build it with this function, so that a
 * caller can tell a request that was never delivered (safe to send elsewhere) from other failures.
 * With `wire`, it names the subject actually used and the system (`details.wireSubject`,
 * `details.system`): an operator looking for subscribers must look there.
 *
 * @example
 * noResponders("tessera.svc.text.upper", { subject: "shop.tessera.svc.text.upper", system: "shop" })
 * // TESSERA_UNAVAILABLE "no responders for tessera.svc.text.upper (system shop, on the wire shop.tessera.svc.text.upper)"
 */
export function noResponders(subject: string, wire?: WireSubject): TesseraError {
  const differs = wire !== undefined && wire.subject !== subject;
  const system = wire?.system;
  const where = [
    ...(system === undefined ? [] : [`system ${system}`]),
    ...(differs ? [`on the wire ${wire.subject}`] : []),
  ];
  return TesseraError.unavailable(
    `no responders for ${subject}${where.length === 0 ? "" : ` (${where.join(", ")})`}`,
    {
      reason: "no-responders",
      subject,
      ...(differs ? { wireSubject: wire.subject } : {}),
      ...(system === undefined ? {} : { system }),
    },
  );
}

/** True for the failure of a request that was never delivered because nobody serves its subject. */
export function isNoResponders(err: unknown): boolean {
  return (
    err instanceof TesseraError &&
    err.code === "TESSERA_UNAVAILABLE" &&
    (err.details as { reason?: unknown } | undefined)?.reason === "no-responders"
  );
}

/** Header marking a reply whose body is a JSON error `{code, message, details}` (whatever the codec). */
export const errorHeader = "tessera-error";

const decoder = new TextDecoder();

/** The reply for a failure: always JSON, so any peer can read it. */
export function errorReplyOf(err: unknown): WireReply {
  return {
    data: utf8(JSON.stringify(TesseraError.from(err).toJSON())),
    headers: { [errorHeader]: "1" },
  };
}

/** The error carried by an error reply, or `undefined` for a normal reply. */
export function errorOfReply(msg: TransportMessage): TesseraError | undefined {
  if (msg.headers[errorHeader] === undefined) return undefined;
  try {
    return TesseraError.fromBody(JSON.parse(decoder.decode(msg.data)));
  } catch {
    return TesseraError.fromBody(undefined);
  }
}

/** Header of a reply carrying a {@link Reply}: its status and headers, as JSON `{"status","headers"}`. */
export const replyHeader = "tessera-reply";

/** Header of a reply whose payload is the result's bytes themselves (a `Uint8Array`, not a codec's). */
export const bytesHeader = "tessera-bytes";

const bytesOnly = { [bytesHeader]: "1" } as const;

/**
 * The reply for a handler's result. A {@link Reply} travels with its status and headers in a header
 * and its body as the payload; bytes (a `Uint8Array`, bare or as a Reply's body) travel as they are
 * — the codec would garble them (JSON turns them into `{}`). So the gateway of another node answers
 * exactly as the node that hosts the entry would.
 */
export function okReply(codec: Codec, value: unknown): WireReply {
  if (value instanceof Reply) {
    const shape = JSON.stringify({ status: value.status, headers: value.headers });
    const body: unknown = value.body;
    if (body instanceof Uint8Array) return { data: body, headers: { [replyHeader]: shape, ...bytesOnly } };
    const marks = wireDatesMarks(body);
    const headers =
      marks === undefined ? { [replyHeader]: shape } : { [replyHeader]: shape, [wireDatesHeader]: marks };
    return { data: codec.encode(body), headers };
  }
  if (value instanceof Uint8Array) return { data: value, headers: bytesOnly };
  const data = codec.encode(value);
  // Objects whose dates travel as strings (an Entity) are named, so the caller reads Dates again.
  const marks = wireDatesMarks(value);
  return marks === undefined ? { data } : { data, headers: { [wireDatesHeader]: marks } };
}

/** The status and headers a reply header carries, checked (a peer's garbage is not trusted). */
function shapeOf(text: string): { status: number; headers: Record<string, string> } {
  const o = JSON.parse(text) as { status?: unknown; headers?: unknown };
  const headers: Record<string, string> = {};
  if (o.headers !== null && typeof o.headers === "object")
    for (const [k, v] of Object.entries(o.headers)) if (typeof v === "string") headers[k] = v;
  const status = typeof o.status === "number" && Number.isInteger(o.status) ? o.status : 200;
  return { status, headers };
}

/** Decodes a reply: its value (a {@link Reply} and bytes rebuilt), or the remote error thrown again here. */
export function readReply(codec: Codec, msg: TransportMessage): unknown {
  const remoteError = errorOfReply(msg);
  if (remoteError !== undefined) throw remoteError;
  try {
    // A copy: the payload may be a view on a buffer the transport reuses.
    const decoded = msg.headers[bytesHeader] === undefined ? codec.decode(msg.data) : msg.data.slice();
    const dates = msg.headers[wireDatesHeader];
    const body = dates === undefined ? decoded : reviveWireDates(decoded, dates);
    const shape = msg.headers[replyHeader];
    if (shape === undefined) return body;
    const { status, headers } = shapeOf(shape);
    return new Reply(body, status, headers);
  } catch (cause) {
    throw new TesseraError("TESSERA_INTERNAL", "undecodable reply from a remote service", { cause });
  }
}
