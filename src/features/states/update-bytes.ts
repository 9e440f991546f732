import type { Codec } from "../../core/codec.js";
import { TesseraError } from "../../core/errors.js";
import type { Transport } from "../../core/transport.js";
import type { StateMessage } from "./delta.js";

/**
 * An owner's message as bytes, checked sendable before the owner applies anything: the codec
 * carries it (a `Date` under the JSON codec does not: `TESSERA_VALIDATION`), it fits the
 * transport's payload limit (`TESSERA_PAYLOAD_TOO_LARGE`), and the transport is connected
 * (`TESSERA_UNAVAILABLE` during a broker outage). An update refused here changes nothing.
 */
export function updateBytes(
  state: string,
  host: { readonly transport: Transport; readonly codec: Codec },
  msg: StateMessage,
): Uint8Array {
  const { transport, codec } = host;
  let bytes: Uint8Array;
  try {
    bytes = codec.encode(msg);
  } catch (err) {
    throw new TesseraError(
      "TESSERA_VALIDATION",
      `state ${state}: the update cannot be encoded by the node's codec (${codec.contentType}): ${(err as Error)?.message ?? err}`,
      { cause: err },
    );
  }
  if (bytes.byteLength > transport.maxPayload) {
    throw new TesseraError(
      "TESSERA_PAYLOAD_TOO_LARGE",
      `state ${state}: the update is ${bytes.byteLength} bytes, over the transport's limit of ${transport.maxPayload}`,
    );
  }
  const status = transport.status();
  if (!status.connected) {
    throw TesseraError.unavailable(
      `state ${state}: the transport is not connected (${status.detail ?? "down"}): the update is not applied`,
    );
  }
  return bytes;
}
