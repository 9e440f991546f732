import { type Msg, type MsgHdrs, headers as natsHeaders, type PublishOptions } from "@nats-io/transport-node";
import type { Headers } from "../../ports/transport.js";

const none: Headers = Object.freeze({});

/** Our headers as NATS headers, or `undefined` when there are none (a plain `PUB`, cheaper than `HPUB`). */
export function toNatsHeaders(given: Headers | undefined): MsgHdrs | undefined {
  if (given === undefined) return undefined;
  let out: MsgHdrs | undefined;
  for (const key in given) {
    out ??= natsHeaders();
    out.set(key, given[key]!);
  }
  return out;
}

/** The headers of a received message (the first value of each key), decoded only when there are some. */
export function headersOf(msg: Msg): Headers {
  const h = msg.headers;
  if (h === undefined) return none;
  const out: Record<string, string> = {};
  for (const [key, values] of h) {
    if (values[0] !== undefined) out[key] = values[0];
  }
  return out;
}

/** True for the status message the server sends to a request's inbox when nobody serves the subject. */
export function isNoResponders(msg: Msg): boolean {
  return msg.data.byteLength === 0 && msg.headers?.code === 503;
}

/** Publish options with our headers (and a reply subject for a request). */
export function publishOptions(headers: Headers | undefined, reply?: string): PublishOptions {
  const h = toNatsHeaders(headers);
  if (reply === undefined) return h === undefined ? {} : { headers: h };
  return h === undefined ? { reply } : { reply, headers: h };
}
