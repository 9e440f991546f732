import type { Msg, MsgHdrs, PublishOptions } from "@nats-io/transport-node";
import type { Headers } from "../../core/transport-message.js";
import { utf8 } from "../../core/utf8.js";

const none: Headers = Object.freeze({});

const unsafe = /[\r\n]/;

/**
 * Outgoing headers, encoded straight from our record. nats.js only calls `encode()` on the headers
 * of a message it publishes; its own `MsgHdrsImpl` builds a map of arrays and checks every key on
 * each `set`, which showed in the profile of remote calls. The other members serve readers of
 * the interface.
 */
class WireHeaders implements MsgHdrs {
  readonly hasError = false;
  readonly status = "";
  readonly code = 0;
  readonly description = "";

  constructor(private readonly h: Record<string, string>) {}

  encode(): Uint8Array {
    let s = "NATS/1.0";
    for (const key in this.h) s += `\r\n${key}: ${this.h[key]}`;
    return utf8(`${s}\r\n\r\n`);
  }
  get(k: string): string {
    return this.h[k] ?? "";
  }
  set(k: string, v: string): void {
    this.h[k] = v;
  }
  append(k: string, v: string): void {
    this.h[k] = v;
  }
  has(k: string): boolean {
    return k in this.h;
  }
  keys(): string[] {
    return Object.keys(this.h);
  }
  values(k: string): string[] {
    return k in this.h ? [this.h[k]!] : [];
  }
  delete(k: string): void {
    delete this.h[k];
  }
  last(k: string): string {
    return this.h[k] ?? "";
  }
  *[Symbol.iterator](): IterableIterator<[string, string[]]> {
    for (const key in this.h) yield [key, [this.h[key]!]];
  }
}

const token = /^[!-9;-~]+$/;
// Header names recur (Tesserae's own, an application's few): each is checked once.
const validKeys = new Set<string>();

/** Our headers as NATS headers, or `undefined` when there are none (a plain `PUB`, cheaper than `HPUB`). */
export function toNatsHeaders(given: Headers | undefined): MsgHdrs | undefined {
  if (given === undefined) return undefined;
  let out: Record<string, string> | undefined;
  for (const key in given) {
    const value = given[key]!;
    // A CR or LF would let a value forge other headers (or end them).
    if (!validKeys.has(key)) {
      if (!token.test(key)) throw new TypeError(`invalid header ${JSON.stringify(key)}`);
      if (validKeys.size < 1000) validKeys.add(key);
    }
    if (unsafe.test(value)) throw new TypeError(`invalid header ${JSON.stringify(key)}`);
    out ??= {};
    out[key] = value;
  }
  return out === undefined ? undefined : new WireHeaders(out);
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
