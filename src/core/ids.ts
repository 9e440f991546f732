import { randomBytes, randomUUID } from "node:crypto";

// A random per-process prefix plus a counter: unique across processes, far cheaper than a UUID per request.
const prefix = randomBytes(6).toString("base64url");
let counter = 0;

/** A new request id, e.g. `Xb3k9QpL-1a`. */
export function newRequestId(): string {
  counter = counter === Number.MAX_SAFE_INTEGER ? 1 : counter + 1;
  return `${prefix}-${counter.toString(36)}`;
}

/** A new random node id. */
export function newNodeId(): string {
  return randomUUID().slice(0, 8);
}

const idPattern = /^[\w.:\-/+=]{1,128}$/;

/** True when a caller-supplied id (e.g. an `x-request-id` header) is safe to echo and log. */
export function isSafeId(id: string): boolean {
  return idPattern.test(id);
}
