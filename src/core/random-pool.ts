import { randomFillSync } from "node:crypto";

// Ids (trace and span ids, run ids) draw from one pool of random bytes refilled 4 KiB at a time: a
// `randomBytes` call per id would cost more than the rest of an in-process call.
const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;

/**
 * `bytes` fresh random bytes (at most 4096): a view on the pool, to read before the next call.
 *
 * @example
 * randomBytesOf(8).toString("hex") // "3f9a0c…" (16 hex digits)
 */
export function randomBytesOf(bytes: number): Buffer {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const view = pool.subarray(offset, offset + bytes);
  offset += bytes;
  return view;
}
