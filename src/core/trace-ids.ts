import { randomBytesOf } from "./random-pool.js";

const randomHex = (bytes: number): string => randomBytesOf(bytes).toString("hex");

/** All zeros: the invalid trace id of W3C Trace Context. */
export const zeroTraceId = "0".repeat(32);
/** All zeros: the invalid span (parent) id of W3C Trace Context. */
export const zeroSpanId = "0".repeat(16);

/** A new random trace id: 32 lower-case hex digits, never all zeros. */
export function newTraceId(): string {
  let id = randomHex(16);
  while (id === zeroTraceId) id = randomHex(16);
  return id;
}

/** A new random span id: 16 lower-case hex digits, never all zeros. */
export function newSpanId(): string {
  let id = randomHex(8);
  while (id === zeroSpanId) id = randomHex(8);
  return id;
}
