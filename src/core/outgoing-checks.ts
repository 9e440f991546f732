import { TesseraError } from "./errors.js";
import { isValidSubject } from "./subject-grammar.js";
import type { WireReply } from "./transport-message.js";

/** What a transport without a broker to refuse for it (memory, ZeroMQ) checks of what it sends. */
export interface OutgoingLimits {
  /** The transport's name, in the error when it is not connected. */
  readonly transport: string;
  readonly connected: boolean;
  /** The largest payload it carries, in bytes. */
  readonly maxPayload: number;
}

/**
 * Refuses a message before it is sent: `TESSERA_UNAVAILABLE` when the transport is not connected,
 * `TESSERA_BAD_REQUEST` for an invalid subject, `TESSERA_PAYLOAD_TOO_LARGE` past the limit.
 *
 * @example
 * checkOutgoing({ transport: "memory", connected: true, maxPayload: 1024 }, "a.b", data);
 */
export function checkOutgoing(limits: OutgoingLimits, subject: string, data: Uint8Array): void {
  if (!limits.connected) throw TesseraError.unavailable(`${limits.transport} transport is not connected`);
  if (!isValidSubject(subject)) throw TesseraError.badRequest(`invalid subject "${subject}"`);
  if (data.byteLength > limits.maxPayload) {
    throw new TesseraError(
      "TESSERA_PAYLOAD_TOO_LARGE",
      `payload of ${data.byteLength} bytes exceeds the transport limit of ${limits.maxPayload}`,
      { details: { size: data.byteLength, limit: limits.maxPayload } },
    );
  }
}

/**
 * A responder's reply if it fits the transport's limit; else throws `TESSERA_PAYLOAD_TOO_LARGE`,
 * which the transport answers as an error reply.
 */
export function replyWithinLimit(reply: WireReply, maxPayload: number): WireReply {
  if (reply.data.byteLength > maxPayload) {
    throw new TesseraError(
      "TESSERA_PAYLOAD_TOO_LARGE",
      `reply of ${reply.data.byteLength} bytes exceeds the transport limit`,
    );
  }
  return reply;
}
