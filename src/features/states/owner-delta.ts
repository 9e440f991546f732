import { mergeDelta, mergeInPlace } from "./delta.js";
import { type DeltaMode, deltaBetween, isPlain, mergePatch } from "./merge-patch.js";

type Obj = Record<string, unknown>;

/**
 * What an owner sends for `delta` (and applies itself): the difference between its value and the
 * schema's output for the merged value, so that transforms, defaults and stripped keys reach the
 * holders exactly as the owner keeps them. A map checked key by key (`keysAlone`) checks the
 * delta's keys alone: the same check at the delta's cost.
 */
export function deltaToSend(
  def: { readonly name: string; readonly delta: DeltaMode },
  keysAlone: boolean,
  check: (value: unknown) => Obj,
  current: Readonly<Obj>,
  delta: Readonly<Obj>,
): Obj {
  const mode = def.delta;
  if (!keysAlone) return deltaBetween(def.name, current, check(mergeDelta(current, delta, mode)), mode);
  const set: Obj = {};
  let deletes = false;
  for (const key in delta) {
    const v = delta[key];
    if (v === null || v === undefined) deletes ||= v === null;
    // A map merged by merge-patch: each key's merged value is what is checked.
    else set[key] = mode === "merge-patch" ? mergePatch(current[key], v) : v;
  }
  const checked = check(set);
  let out: Obj = checked;
  if (mode === "merge-patch") {
    const before: Obj = {};
    for (const key in checked) before[key] = current[key];
    out = deltaBetween(def.name, before, checked, mode);
  }
  if (!deletes) return out;
  if (out === checked) out = { ...checked };
  for (const key in delta) if (delta[key] === null) out[key] = null;
  return out;
}

/**
 * Applies a delta to the owner's value the way holders apply it. Shallow: in place, with the
 * replaced keys kept to undo it; merge-patch: on a copy (nested objects may be shared with
 * what the owner sent or was given).
 */
export function applyToOwn(mode: DeltaMode, current: Obj, sent: Readonly<Obj>): { value: Obj; undo(): Obj } {
  if (mode === "merge-patch" || !isPlain(current)) {
    return { value: mergeDelta(current, sent, mode), undo: () => current };
  }
  const old: [string, boolean, unknown][] = [];
  for (const key in sent) old.push([key, Object.hasOwn(current, key), current[key]]);
  mergeInPlace(current, sent);
  return {
    value: current,
    undo: () => {
      for (const [key, had, v] of old) {
        if (had) current[key] = v;
        else delete current[key];
      }
      return current;
    },
  };
}
