import type { Condition, DocumentQuery, JsonScalar } from "./document-query.js";

/**
 * Code point order (what PostgreSQL's `COLLATE "C"` and SQLite's BINARY give on UTF-8), where
 * JavaScript's `<` compares UTF-16 units: they differ only past U+FFFF.
 *
 * @example
 * compareCodePoints("a", "b") // < 0
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) stand for code points above U+FFFF: move them past U+E000–FFFF.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** The value at a path of a document (undefined when absent; arrays are not walked into). */
export function valueAt(doc: unknown, path: readonly string[]): unknown {
  let v: unknown = doc;
  for (const key of path) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

function equals(field: unknown, v: JsonScalar): boolean {
  if (v === null) return field === null || field === undefined;
  return typeof field === typeof v && field === v;
}

function compare(field: unknown, v: number | string): number | undefined {
  if (typeof v === "number") return typeof field === "number" ? field - v : undefined;
  return typeof field === "string" ? compareCodePoints(field, v) : undefined;
}

function holds(doc: unknown, c: Condition): boolean {
  const field = valueAt(doc, c.path);
  if (c.op === "eq") return equals(field, c.value as JsonScalar);
  if (c.op === "in") return (c.value as readonly JsonScalar[]).some((v) => equals(field, v));
  const d = compare(field, c.value as number | string);
  if (d === undefined) return false;
  if (c.op === "lt") return d < 0;
  if (c.op === "lte") return d <= 0;
  if (c.op === "gt") return d > 0;
  return d >= 0;
}

/** Numbers sort before strings; a field of any other kind (absent, null, boolean…) before both. */
const rank = (v: unknown) => (typeof v === "number" ? 1 : typeof v === "string" ? 2 : 0);

function byOrder(query: DocumentQuery) {
  return (a: { id: string; doc: unknown }, b: { id: string; doc: unknown }): number => {
    for (const o of query.order) {
      const x = valueAt(a.doc, o.path);
      const y = valueAt(b.doc, o.path);
      let d = rank(x) - rank(y);
      if (d === 0 && typeof x === "number") d = x - (y as number);
      if (d === 0 && typeof x === "string") d = compareCodePoints(x, y as string);
      if (d !== 0) return o.desc ? -d : d;
    }
    return compareCodePoints(a.id, b.id);
  };
}

/**
 * Runs a document query in memory with the semantics the SQL stores give it: the memory store's
 * `findDocuments`, and the reference the contract suite holds the SQL stores to.
 */
export function runDocumentQuery<T>(
  entries: Iterable<readonly [string, T]>,
  query: DocumentQuery,
  options: { readonly after?: string | undefined; readonly limit?: number | undefined },
): { id: string; doc: T }[] {
  const found: { id: string; doc: T }[] = [];
  for (const [id, doc] of entries) {
    if (options.after !== undefined && compareCodePoints(id, options.after) <= 0) continue;
    if (query.conditions.every((c) => holds(doc, c))) found.push({ id, doc });
  }
  return found.sort(byOrder(query)).slice(0, options.limit ?? Number.POSITIVE_INFINITY);
}
