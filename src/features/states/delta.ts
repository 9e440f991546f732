/**
 * The delta protocol of replicated states, as data and pure functions: what an owner sends, what
 * a holder keeps, and what a holder does with each message. The runtime (owner, holder) only
 * moves these values around.
 */

import { type DeltaMode, mergePatch, mergePatchInPlace } from "./merge-patch.js";

/**
 * The changed keys of a state: a value sets the key, `null` deletes it (deleting a missing key is
 * fine). With `delta: "merge-patch"`, an object value may itself be a delta of the key's object.
 */
export type Delta<T> = { readonly [K in keyof T]?: DeltaValue<T[K]> | null };

/** A key's value in a delta: the value, or (for an object, merged by `merge-patch`) a delta of it. */
export type DeltaValue<V> = V extends readonly unknown[] | Date ? V : V extends object ? V | Delta<V> : V;

/**
 * A message from an owner to its holders. `epoch` is the owner's incarnation (it grows each time
 * the owner starts, and is never less than the time it started, in epoch ms, so that an
 * incarnation that lost its store still comes after the one before), `seq` its number within the
 * state's life: the pair orders every message.
 */
export type StateMessage = StateUpdate | StateBeat;

/** A full update or a delta update. */
export interface StateUpdate {
  readonly epoch: number;
  readonly seq: number;
  /** `true`: `data` is the whole value (a full update or a snapshot); `false`: the changed keys. */
  readonly isSnapshot: boolean;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The owner's current number, sent while idle: a holder that missed the last updates sees that it is behind. */
export interface StateBeat {
  readonly epoch: number;
  readonly seq: number;
  readonly beat: true;
}

/** A holder's copy: epoch 0 means never synchronised (the state's initial value). */
export interface StateCopy<T> extends Position {
  readonly value: Readonly<T>;
}

/** Why a holder fetches a snapshot. */
export type ResyncReason = "unsynced" | "gap" | "duplicate" | "new-epoch" | "behind";

/** What a holder does with a message. */
export type DeltaOutcome<T> =
  | { readonly outcome: "applied"; readonly copy: StateCopy<T> }
  | { readonly outcome: "ignored"; readonly reason: "older" | "current" }
  | { readonly outcome: "resync"; readonly reason: ResyncReason };

/** The copy of a holder that has received nothing yet. */
export function initialCopy<T>(value: T): StateCopy<T> {
  return { epoch: 0, seq: 0, value };
}

/**
 * Merges a delta into a copy of the value: shallow (each key of the delta replaces the value's,
 * `null` deletes it), or JSON Merge Patch (see {@link DeltaMode}).
 */
export function mergeDelta<T>(
  value: Readonly<T>,
  delta: Readonly<Record<string, unknown>>,
  mode: DeltaMode = "shallow",
): T {
  if (mode === "merge-patch") return mergePatch(value, delta) as T;
  let deletes = false;
  for (const key in delta) {
    if (delta[key] === null || delta[key] === undefined) {
      deletes = true;
      break;
    }
  }
  // The common case (no deletion): one spread, which V8 does fast and keeps the object's shape.
  if (!deletes) return { ...(value as Record<string, unknown>), ...delta } as T;
  const out: Record<string, unknown> = {};
  for (const key in value as Record<string, unknown>) {
    if (!(key in delta)) out[key] = (value as Record<string, unknown>)[key];
  }
  for (const key in delta) {
    const v = delta[key];
    if (v !== null && v !== undefined) out[key] = v;
    else if (v === undefined && key in (value as object)) out[key] = (value as Record<string, unknown>)[key];
  }
  return out as T;
}

/** Applies a delta to a value the caller owns, in place (the runtime's way: no copy of the whole state per delta). */
export function mergeInPlace(
  target: Record<string, unknown>,
  delta: Readonly<Record<string, unknown>>,
  mode: DeltaMode = "shallow",
): void {
  if (mode === "merge-patch") {
    mergePatchInPlace(target, delta);
    return;
  }
  for (const key in delta) {
    const v = delta[key];
    if (v === null) delete target[key];
    else if (v !== undefined) target[key] = v;
  }
}

/** Where a copy is: the owner's epoch and number it last applied. */
export interface Position {
  readonly epoch: number;
  readonly seq: number;
  /** True when that number is a snapshot's: the delta of the same number is already in it. */
  readonly isSnapshot?: boolean;
}

/** What to do with a message, decided from the numbers alone. */
export type Decision =
  | { readonly outcome: "merge" }
  | { readonly outcome: "replace" }
  | { readonly outcome: "ignored"; readonly reason: "older" | "current" }
  | { readonly outcome: "resync"; readonly reason: ResyncReason };

/** Compares two (epoch, seq) positions. */
function compare(a: Position, b: Position): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.seq - b.seq;
}

/**
 * The protocol's decision for a message at a copy's position:
 * - a snapshot (full update, snapshot reply) replaces the copy whatever the gap; only one older
 *   than the copy is ignored, like any older number;
 * - a delta merges only when it is exactly the next number of the same epoch;
 * - a delta of an older number (or an older epoch) is ignored;
 * - a duplicate (the copy's own number, when a delta gave it), a gap, a delta of a newer epoch, or
 *   any delta while the copy was never synchronised (epoch 0): fetch a snapshot and resynchronise;
 *   the delta of a snapshot's own number is already in it, and ignored;
 * - a beat (the owner's current number) ahead of the copy: resynchronise (the last updates were lost).
 */
export function decide(at: Position, msg: StateMessage): Decision {
  const order = compare(msg, at);
  if ("beat" in msg) {
    if (order < 0) return { outcome: "ignored", reason: "older" };
    if (order === 0) return { outcome: "ignored", reason: "current" };
    return { outcome: "resync", reason: at.epoch === 0 ? "unsynced" : "behind" };
  }
  if (msg.isSnapshot) return order < 0 ? { outcome: "ignored", reason: "older" } : { outcome: "replace" };
  if (at.epoch === 0) return { outcome: "resync", reason: "unsynced" };
  if (msg.epoch < at.epoch) return { outcome: "ignored", reason: "older" };
  if (msg.epoch > at.epoch) return { outcome: "resync", reason: "new-epoch" };
  if (msg.seq === at.seq + 1) return { outcome: "merge" };
  if (msg.seq < at.seq) return { outcome: "ignored", reason: "older" };
  // The delta a snapshot already holds (it overtook it): not a duplicate.
  if (msg.seq === at.seq && at.isSnapshot === true) return { outcome: "ignored", reason: "current" };
  return { outcome: "resync", reason: msg.seq === at.seq ? "duplicate" : "gap" };
}

/**
 * Applies an owner's message to a holder's copy, purely (see {@link decide} for the rules): the
 * new copy, or why it is ignored, or why the holder must fetch a snapshot.
 *
 * @example
 * const r = applyDelta(copy, { epoch: 1, seq: copy.seq + 1, isSnapshot: false, data: { AAPL: 101 } });
 * if (r.outcome === "applied") copy = r.copy;
 */
export function applyDelta<T>(
  copy: StateCopy<T>,
  msg: StateMessage,
  mode: DeltaMode = "shallow",
): DeltaOutcome<T> {
  const d = decide(copy, msg);
  if (d.outcome === "ignored" || d.outcome === "resync") return d;
  const update = msg as StateUpdate;
  const value = d.outcome === "replace" ? (update.data as T) : mergeDelta(copy.value, update.data, mode);
  return {
    outcome: "applied",
    copy: { epoch: update.epoch, seq: update.seq, isSnapshot: update.isSnapshot, value },
  };
}
