/**
 * Objects whose `Date` fields cross processes: their JSON form writes the dates as ISO strings, and
 * a reply that carries such objects names where they are (a header), so that the caller reads them
 * back with `Date`s again — the same shape as a call served in its own process. The repository's
 * `Entity` is one (`createdAt`, `updatedAt`); any object can be made one with {@link withWireDates}.
 */

const DATE_KEYS = Symbol.for("tessera.wireDates");

/** Header of a reply listing where its objects with wire dates are (JSON, see {@link wireDatesMarks}). */
export const wireDatesHeader = "tessera-dates";

type Dated = Record<string | symbol, unknown> & { [DATE_KEYS]?: readonly string[] };

function toJSON(this: Dated): Record<string, unknown> {
  const out: Record<string, unknown> = { ...this };
  for (const key of this[DATE_KEYS] ?? []) {
    const v = out[key];
    if (v instanceof Date) out[key] = v.toISOString();
  }
  return out;
}

/**
 * Marks `value` (in place) as an object whose `keys` hold `Date`s that travel as ISO strings: its
 * JSON form (`toJSON`, not enumerable) writes them as strings, and a caller on another node reads
 * them back as `Date`s. Returns `value`.
 *
 * @example
 * return withWireDates({ id, at: new Date() }, ["at"]); // {"id":"…","at":"2024-…Z"} on the wire
 */
export function withWireDates<T extends object>(value: T, keys: readonly (keyof T & string)[]): T {
  Object.defineProperty(value, DATE_KEYS, { value: keys, enumerable: false });
  Object.defineProperty(value, "toJSON", { value: toJSON, enumerable: false });
  return value;
}

/** Where one marked object is: its path from the reply's root, and its date keys. */
type Mark = readonly [path: readonly (string | number)[], keys: readonly string[]];

/** How deep marked objects are looked for: a result, a list of them, a page `{items: […]}`, … */
const MAX_DEPTH = 4;

function collect(value: unknown, path: (string | number)[], depth: number, out: Mark[]): void {
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return;
  const keys = (value as Dated)[DATE_KEYS];
  if (keys !== undefined) {
    out.push([[...path], keys]);
    return;
  }
  if (value instanceof Date || ArrayBuffer.isView(value)) return;
  if (depth === MAX_DEPTH) return;
  // Primitives are skipped here, without a call: most of a reply is made of them.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v === null || typeof v !== "object") continue;
      path.push(i);
      collect(v, path, depth + 1, out);
      path.pop();
    }
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v === null || typeof v !== "object") continue;
    path.push(key);
    collect(v, path, depth + 1, out);
    path.pop();
  }
}

/**
 * The header value that names the marked objects of a result (up to four levels deep), or
 * `undefined` when it has none.
 */
export function wireDatesMarks(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const out: Mark[] = [];
  collect(value, [], 0, out);
  return out.length === 0 ? undefined : JSON.stringify(out);
}

/**
 * The decoded result with the objects named by `header` marked again and their date strings turned
 * back into `Date`s. A header that does not fit the value (a peer's garbage) changes nothing there.
 */
export function reviveWireDates(value: unknown, header: string): unknown {
  let marks: unknown;
  try {
    marks = JSON.parse(header);
  } catch {
    return value;
  }
  if (!Array.isArray(marks)) return value;
  for (const mark of marks) {
    if (!Array.isArray(mark) || !Array.isArray(mark[0]) || !Array.isArray(mark[1])) continue;
    let target: unknown = value;
    for (const step of mark[0] as unknown[]) {
      if (
        target === null ||
        typeof target !== "object" ||
        (typeof step !== "string" && typeof step !== "number")
      )
        target = undefined;
      else target = Object.hasOwn(target, step) ? (target as Record<string, unknown>)[step] : undefined;
    }
    if (target === null || typeof target !== "object" || Array.isArray(target)) continue;
    const keys = (mark[1] as unknown[]).filter((k): k is string => typeof k === "string");
    const o = target as Record<string, unknown>;
    for (const key of keys) {
      const v = o[key];
      if (typeof v !== "string") continue;
      const d = new Date(v);
      if (!Number.isNaN(d.getTime())) o[key] = d;
    }
    withWireDates(o, keys);
  }
  return value;
}
