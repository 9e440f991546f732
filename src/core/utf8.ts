/**
 * UTF-8 bytes of a string. `Buffer.from` takes small strings from Node's shared pool: about three
 * times faster than `TextEncoder.encode`, which allocates a new buffer per call (that showed in the
 * profile of remote calls, where a call encodes its payload and its headers).
 */
export function utf8(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}
