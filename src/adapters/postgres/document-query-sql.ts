import type { Condition, DocumentQuery, JsonScalar } from "../../ports/document-query.js";

/**
 * A field's path as a PostgreSQL text[] literal. Paths are checked identifiers (`fieldPath`), so
 * they can be literals: an expression index on `(doc #> '{owner}')` then serves the query.
 */
export const pathLiteral = (path: readonly string[]) => `'{${path.join(",")}}'`;

const field = (path: readonly string[]) => `(doc #> ${pathLiteral(path)})`;
const text = (path: readonly string[]) => `((doc #>> ${pathLiteral(path)}) COLLATE "C")`;

const RANGE = { lt: "<", lte: "<=", gt: ">", gte: ">=" } as const;

/**
 * The conditions on PostgreSQL's jsonb: equality and `in` compare jsonb values (a number equals
 * numbers only, numerically; a string strings only); number ranges compare jsonb numbers; string
 * ranges compare text in code point order (`COLLATE "C"`). Values are parameters.
 */
function condition(c: Condition, params: unknown[]): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (c.op === "eq" || c.op === "in") {
    const list = c.op === "eq" ? [c.value as JsonScalar] : (c.value as readonly JsonScalar[]);
    const parts: string[] = [];
    if (list.includes(null)) parts.push(`${field(c.path)} IS NULL OR ${field(c.path)} = 'null'::jsonb`);
    const values = list.filter((v) => v !== null).map((v) => JSON.stringify(v));
    if (values.length === 1) parts.push(`${field(c.path)} = ${p(values[0])}::jsonb`);
    else if (values.length > 1) parts.push(`${field(c.path)} = ANY(${p(values)}::jsonb[])`);
    return parts.length === 0 ? "false" : `(${parts.join(" OR ")})`;
  }
  const v = c.value as number | string;
  if (typeof v === "number")
    return `(jsonb_typeof(${field(c.path)}) = 'number' AND ${field(c.path)} ${RANGE[c.op]} ${p(JSON.stringify(v))}::jsonb)`;
  return `(jsonb_typeof(${field(c.path)}) = 'string' AND ${text(c.path)} ${RANGE[c.op]} ${p(v)}::text)`;
}

/**
 * The SELECT of `findDocuments` on PostgreSQL (`table` is the quoted documents table). Numbers sort
 * before strings, other kinds (absent, null, booleans) before both; ties by id.
 */
export function postgresFindDocuments(
  table: string,
  collection: string,
  query: DocumentQuery,
  options: { readonly after?: string | undefined; readonly limit?: number | undefined },
): { text: string; params: unknown[] } {
  const params: unknown[] = [collection, options.after ?? ""];
  const where = ["collection = $1", "id > $2", ...query.conditions.map((c) => condition(c, params))];
  const order = query.order.flatMap((o) => {
    const dir = o.desc ? "DESC" : "ASC";
    const t = `jsonb_typeof(${field(o.path)})`;
    return [
      `CASE ${t} WHEN 'number' THEN 1 WHEN 'string' THEN 2 ELSE 0 END ${dir}`,
      `CASE WHEN ${t} = 'number' THEN ${field(o.path)} END ${dir}`,
      `CASE WHEN ${t} = 'string' THEN ${text(o.path)} END ${dir}`,
    ];
  });
  params.push(options.limit ?? null);
  return {
    text: `SELECT id, doc FROM ${table} WHERE ${where.join(" AND ")} ORDER BY ${[...order, "id"].join(", ")} LIMIT $${params.length}`,
    params,
  };
}
