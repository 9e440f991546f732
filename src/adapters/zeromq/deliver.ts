import type { Headers, TransportMessage } from "../../core/transport-message.js";
import type { RecordView } from "./frame-batch.js";
import { decodeHeaders, own } from "./link-frames.js";
import type { SubscribeHandler } from "./local-interests.js";

/**
 * A publication of this transport to one of its own subscribers: a copy of the bytes, handed over
 * on a later microtask (as from a peer, never inside `publish`).
 */
export function deliverLater(
  handler: SubscribeHandler,
  subject: string,
  data: Uint8Array,
  headers: Headers | undefined,
): void {
  const msg: TransportMessage = { subject, data: own(data), headers: { ...headers } };
  // A subscriber's failure is its own business: the transport goes on delivering.
  Promise.resolve()
    .then(() => handler(msg))
    .catch(() => undefined);
}

/**
 * A publication from a peer (`P subject headers data ids`, read in `f`) to one subscriber, with
 * `data` its own: called now, so that subscribers see a link's publications in the order it
 * carried them.
 */
export function deliverNow(handler: SubscribeHandler, f: RecordView, data: Uint8Array): void {
  const msg: TransportMessage = { subject: f.text(0), data, headers: decodeHeaders(f.text(1)) };
  try {
    const done = handler(msg);
    if (done !== undefined) done.catch(() => undefined);
  } catch {
    // A subscriber's failure is its own business: the transport goes on delivering.
  }
}
