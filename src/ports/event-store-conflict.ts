import { TesseraError } from "../core/errors.js";
import type { ExpectedVersion } from "./event-store.js";

/**
 * The error of an append whose expected version does not match: `TESSERA_CONFLICT` with the
 * current version in `details`, so that the caller can reload and retry.
 *
 * @example
 * throw versionConflict("account-42", 3, 5);
 */
export function versionConflict(stream: string, expected: ExpectedVersion, current: number): TesseraError {
  return TesseraError.conflict(`stream ${stream} is at version ${current}, expected ${expected}`, {
    stream,
    expectedVersion: expected,
    currentVersion: current,
  });
}

/** Throws {@link versionConflict} unless `current` satisfies `expected`. */
export function checkExpectedVersion(stream: string, expected: ExpectedVersion, current: number): void {
  if (expected !== "any" && expected !== current) throw versionConflict(stream, expected, current);
}

/**
 * The error of a checkpoint move whose expected position does not match: `TESSERA_CONFLICT` with
 * the current position in `details` (two runners of one projection: the second one stops).
 */
export function checkpointConflict(name: string, expected: number, current: number): TesseraError {
  return TesseraError.conflict(`checkpoint ${name} is at ${current}, expected ${expected}`, { current });
}

/** Throws {@link checkpointConflict} when `expected` is given and `current` is elsewhere. */
export function checkExpectedCheckpoint(name: string, expected: number | undefined, current: number): void {
  if (expected !== undefined && current !== expected) throw checkpointConflict(name, expected, current);
}

/** Refuses an expected version that is neither `"any"` nor a non-negative integer. */
export function assertExpectedVersion(expected: ExpectedVersion): void {
  if (expected !== "any" && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw TesseraError.badRequest(`expected version must be "any" or an integer ≥ 0, got ${expected}`);
  }
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refuses events whose given id is not a UUID (every store keeps ids as UUIDs). */
export function assertEventIds(events: readonly { readonly id?: string }[]): void {
  for (const e of events) {
    if (e.id !== undefined && !uuid.test(e.id))
      throw TesseraError.badRequest(`event id "${e.id}" is not a UUID`);
  }
}

/**
 * The error of an append of an event whose id is already stored (in any stream): `TESSERA_CONFLICT`
 * with the id in `details`, never a driver's unique violation. A keyed write repeated is one.
 *
 * @example
 * throw duplicateEventId("account-42", "7f0c3c1e-5b7a-4c8e-9a57-1a2b3c4d5e6f");
 */
export function duplicateEventId(stream: string, eventId: string | undefined): TesseraError {
  return TesseraError.conflict(
    `an event of stream ${stream} has an id that is already stored${eventId === undefined ? "" : ` (${eventId})`}`,
    { stream, eventId: eventId ?? null, duplicateEventId: true },
  );
}
