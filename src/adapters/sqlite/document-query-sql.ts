import type { Condition, DocumentQuery, JsonScalar } from "../../ports/document-query.js";

/**
 * A field's JSON path as SQLite writes it. Paths are checked identifiers (`fieldPath`), so they can
 * be literals: an expression index on `json_extract(doc, '$.owner')` then serves the query.
 */
export const jsonPath = (path: readonly string[]) => `'$.${path.join(".")}'`;

const extract = (path: readonly string[]) => `json_extract(doc, ${jsonPath(path)})`;
const typeOf = (path: readonly string[]) => `json_type(doc, ${jsonPath(path)})`;
const NUMBER = `IN ('integer', 'real')`;

/** `field = v` for one scalar, typed: a number matches numbers only, a string strings only. */
function equality(path: readonly string[], v: JsonScalar, params: unknown[]): string {
  if (v === null) return `coalesce(${typeOf(path)}, 'null') = 'null'`;
  if (typeof v === "boolean") return `${typeOf(path)} = '${v ? "true" : "false"}'`;
  params.push(v);
  return `(${typeOf(path)} ${typeof v === "number" ? NUMBER : "= 'text'"} AND ${extract(path)} = ?)`;
}

/**
 * `field IN (…)`, typed: one `IN` per kind of value, not one equality per value (SQLite refuses an
 * expression tree deeper than 1000, which 997 ORed equalities passed).
 */
function oneOf(path: readonly string[], list: readonly JsonScalar[], params: unknown[]): string {
  const numbers = list.filter((v) => typeof v === "number");
  const strings = list.filter((v) => typeof v === "string");
  const others = new Set(list.filter((v) => typeof v === "boolean" || v === null));
  const parts = [...others].map((v) => equality(path, v, params));
  for (const [values, kind] of [
    [numbers, NUMBER],
    [strings, "= 'text'"],
  ] as const) {
    if (values.length === 0) continue;
    params.push(...values);
    parts.push(`(${typeOf(path)} ${kind} AND ${extract(path)} IN (${values.map(() => "?").join(", ")}))`);
  }
  return parts.length === 0 ? "0" : `(${parts.join(" OR ")})`;
}

const RANGE = { lt: "<", lte: "<=", gt: ">", gte: ">=" } as const;

function condition(c: Condition, params: unknown[]): string {
  if (c.op === "eq") return equality(c.path, c.value as JsonScalar, params);
  if (c.op === "in") return oneOf(c.path, c.value as readonly JsonScalar[], params);
  const v = c.value as number | string;
  params.push(v);
  return `(${typeOf(c.path)} ${typeof v === "number" ? NUMBER : "= 'text'"} AND ${extract(c.path)} ${RANGE[c.op]} ?)`;
}

/**
 * The SELECT of `findDocuments` on SQLite: conditions and order in SQL, values as parameters.
 * Numbers sort before strings, other kinds (absent, null, booleans) before both; ties by id.
 */
export function sqliteFindDocuments(
  table: string,
  collection: string,
  query: DocumentQuery,
  options: { readonly after?: string | undefined; readonly limit?: number | undefined },
): { text: string; params: unknown[] } {
  const params: unknown[] = [collection, options.after ?? ""];
  const where = ["collection = ?", "id > ?", ...query.conditions.map((c) => condition(c, params))];
  const order = query.order.flatMap((o) => {
    const dir = o.desc ? "DESC" : "ASC";
    const t = typeOf(o.path);
    return [
      `CASE WHEN ${t} ${NUMBER} THEN 1 WHEN ${t} = 'text' THEN 2 ELSE 0 END ${dir}`,
      `CASE WHEN ${t} IN ('integer', 'real', 'text') THEN ${extract(o.path)} END ${dir}`,
    ];
  });
  params.push(options.limit ?? -1);
  return {
    text: `SELECT id, doc FROM ${table} WHERE ${where.join(" AND ")} ORDER BY ${[...order, "id"].join(", ")} LIMIT ?`,
    params,
  };
}
