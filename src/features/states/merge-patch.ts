import { TesseraError } from "../../core/errors.js";

/**
 * How a state's delta is merged: `shallow` (the seed's: each key of the delta replaces the
 * value's, `null` deletes it) or `merge-patch` (JSON Merge Patch, RFC 7396: an object in the delta
 * is merged into the object it meets, recursively, so a nested map is patched without being sent
 * whole; `null` deletes a key at any depth; arrays and other values replace).
 */
export type DeltaMode = "shallow" | "merge-patch";

type Obj = Record<string, unknown>;

/** A plain object (not null, not an array, not a Date or a class instance). */
export function isPlain(v: unknown): v is Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** RFC 7396 on a copy: `target` is left as it is (untouched parts are shared with the result). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlain(patch)) return patch;
  const out: Obj = isPlain(target) ? { ...target } : {};
  for (const key in patch) {
    const v = patch[key];
    if (v === null) delete out[key];
    else if (v !== undefined) out[key] = mergePatch(out[key], v);
  }
  return out;
}

/** RFC 7396 in place: the holder's way, no copy of the untouched parts (its copy is its own). */
export function mergePatchInPlace(target: Obj, patch: Readonly<Obj>): void {
  for (const key in patch) {
    const v = patch[key];
    if (v === null) delete target[key];
    else if (v === undefined) continue;
    else if (isPlain(v) && isPlain(target[key])) mergePatchInPlace(target[key] as Obj, v);
    else target[key] = mergePatch(undefined, v);
  }
}

/** Structural equality of decoded values: plain objects, arrays, dates, and the rest by identity. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => sameValue(v, b[i]));
  }
  if (!isPlain(a) || !isPlain(b)) return false;
  let n = 0;
  for (const key in a) {
    if (a[key] === undefined) continue;
    n++;
    if (!sameValue(a[key], b[key])) return false;
  }
  for (const key in b) if (b[key] !== undefined) n--;
  return n === 0;
}

function nullIn(v: unknown, path: string): string | undefined {
  if (v === null) return path;
  if (!isPlain(v)) return undefined;
  for (const key in v) {
    const at = nullIn(v[key], `${path}.${key}`);
    if (at !== undefined) return at;
  }
  return undefined;
}

function noNull(state: string, path: string): TesseraError {
  return TesseraError.badRequest(
    `state ${state}: ${path} would be null, which a delta cannot carry (null deletes a key): leave the key out, or use set()`,
  );
}

/**
 * The delta that takes `before` to `after` in `mode`: what an owner sends (and applies itself) so
 * that every holder reaches exactly the value the owner checked: transforms, defaults and keys the
 * schema stripped included. A value that would have to be `null` is refused (a delta's `null`
 * deletes a key): `TESSERA_BAD_REQUEST`.
 */
export function deltaBetween(
  state: string,
  before: Readonly<Obj>,
  after: Readonly<Obj>,
  mode: DeltaMode,
  path = "",
): Obj {
  const out: Obj = {};
  for (const key in after) {
    const a = after[key];
    if (a === undefined) continue;
    const b = before[key];
    const at = path === "" ? key : `${path}.${key}`;
    if (a === null) {
      if (b !== null) throw noNull(state, at);
      continue;
    }
    if (mode === "merge-patch" && isPlain(a)) {
      if (isPlain(b)) {
        const nested = deltaBetween(state, b, a, mode, at);
        for (const _ in nested) {
          out[key] = nested;
          break;
        }
        continue;
      }
      // Sent whole into a non-object: a null inside would be dropped by the merge.
      const hole = nullIn(a, at);
      if (hole !== undefined) throw noNull(state, hole);
    }
    if (!sameValue(a, b)) out[key] = a;
  }
  for (const key in before) if (before[key] !== undefined && after[key] === undefined) out[key] = null;
  return out;
}
