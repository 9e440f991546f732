import type { Headers } from "../../core/transport-message.js";

/**
 * The frames two ZeroMQ transports exchange on a link (a DEALER connected to a ROUTER), many to a
 * ZeroMQ message (`frame-batch.ts`). Each frame is a letter and its fields:
 *
 * - `H flag interests id` hello: the sender's subscriptions and responders (JSON) and its transport id
 *   (two links between the same two transports carry each message once); flag `1` asks for the
 *   receiver's in return. Sent by the connecting side once the ZMTP handshake is done.
 * - `S ack interest` / `U ack id`: a subscription added or removed; answered by `A ack`, so that a
 *   subscription is in effect on every linked peer once `subscribe()` resolves.
 * - `Q id subject headers data` a request; `R id headers data` its reply, `N id` "no responder here".
 * - `P subject headers data ids` a publication for the receiver's subscriptions `ids` (comma-separated):
 *   the publisher chose them, one member per queue group across all its peers.
 * - `B` a beat from the connecting side; `X` goodbye: the sender serves nothing any more.
 */
export const frameKind = {
  hello: "H",
  sub: "S",
  unsub: "U",
  ack: "A",
  request: "Q",
  reply: "R",
  noResponder: "N",
  publish: "P",
  beat: "B",
  bye: "X",
} as const;

/** A subscription or responder announced to peers. */
export interface Interest {
  readonly id: string;
  readonly pattern: string;
  /** `s` a subscriber, `r` a responder. */
  readonly kind: "s" | "r";
  readonly queue?: string | undefined;
}

const empty = Buffer.alloc(0);

export function encodeHeaders(headers: Headers | undefined): Buffer {
  if (headers === undefined) return empty;
  for (const _ in headers) return Buffer.from(JSON.stringify(headers));
  return empty;
}

/** Headers from their JSON (`""`: none); anything but an object of strings counts as none. */
export function decodeHeaders(json: string): Headers {
  if (json === "") return {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") out[k] = v;
    return out;
  } catch {
    return {};
  }
}

/** Reads a peer's interests, keeping only well-formed ones (a peer is not trusted to be well-formed). */
export function decodeInterests(json: string): Interest[] {
  try {
    const parsed: unknown = JSON.parse(json);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.filter(
      (i): i is Interest =>
        typeof i === "object" &&
        i !== null &&
        typeof i.id === "string" &&
        typeof i.pattern === "string" &&
        (i.kind === "s" || i.kind === "r") &&
        (i.queue === undefined || typeof i.queue === "string"),
    );
  } catch {
    return [];
  }
}

/** A copy of bytes that belongs to the receiver (a plain Uint8Array, whatever was given). */
export function own(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}
