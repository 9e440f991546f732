import { randomBytesOf } from "../../core/random-pool.js";

let lastMs = 0;
let sequence = 0;

/**
 * A new run id: a UUID version 7 (RFC 9562), time-ordered. Runs created together get neighbouring
 * ids, so that the stores' indexes (and the journal's key) grow at their end instead of touching a
 * random page per run: far fewer pages written per group commit.
 *
 * @example
 * newRunId() // "0193a6f0-1c2b-7d3e-9f10-23456789abcd"
 */
export function newRunId(): string {
  const now = Date.now();
  // Monotonic within a millisecond: a 12-bit sequence takes the place of the first random bits.
  sequence = now === lastMs ? (sequence + 1) & 0xfff : 0;
  lastMs = now;
  const time = now.toString(16).padStart(12, "0");
  const random = randomBytesOf(8);
  const hi = random.readUInt32BE(0);
  const lo = random.readUInt32BE(4);
  const variant = (((hi >>> 16) & 0x3fff) | 0x8000).toString(16);
  const rest = (hi & 0xffff).toString(16).padStart(4, "0") + lo.toString(16).padStart(8, "0");
  return `${time.slice(0, 8)}-${time.slice(8)}-7${sequence.toString(16).padStart(3, "0")}-${variant}-${rest}`;
}
