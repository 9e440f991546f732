/**
 * Turns values into bytes for a transport and back. JSON is the default; another codec
 * (MessagePack, …) can be given to a node.
 */
export interface Codec {
  readonly contentType: string;
  encode(value: unknown): Uint8Array;
  decode(data: Uint8Array): unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const empty = new Uint8Array(0);

/** JSON codec: `undefined` travels as zero bytes. */
export const jsonCodec: Codec = {
  contentType: "application/json",
  encode: (value) => (value === undefined ? empty : encoder.encode(JSON.stringify(value))),
  decode: (data) => (data.length === 0 ? undefined : JSON.parse(decoder.decode(data))),
};
