import type { Codec } from "./codec.js";
import { TesseraError } from "./errors.js";
import type { TransportMessage, WireReply } from "./transport-message.js";
import { utf8 } from "./utf8.js";

/**
 * The failure of a request that nobody serves. Adapters build it with this function, so that a
 * caller can tell a request that was never delivered (safe to send elsewhere) from other failures.
 */
export function noResponders(subject: string): TesseraError {
  return TesseraError.unavailable(`no responders for ${subject}`, { reason: "no-responders", subject });
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

export function okReply(codec: Codec, value: unknown): WireReply {
  return { data: codec.encode(value) };
}

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
