import { TesseraError } from "../core/errors.js";

/** A JSON scalar a condition compares a document's field with. */
export type JsonScalar = string | number | boolean | null;

/**
 * The conditions on one field, all of which must hold. A number compares only with fields that are
 * JSON numbers (numerically), a string only with strings (by code point, as `COLLATE "C"` and
 * SQLite's BINARY do), a boolean only with booleans; `null` matches a field that is null or absent.
 */
export interface FieldConditions {
  readonly eq?: JsonScalar;
  readonly in?: readonly JsonScalar[];
  readonly lt?: number | string;
  readonly lte?: number | string;
  readonly gt?: number | string;
  readonly gte?: number | string;
}

/** A field's value (equality) or its conditions. */
export type FieldCondition = JsonScalar | FieldConditions;

/**
 * Conditions on a document's fields, ANDed: `{ owner: "Ada", balance: { gte: 100, lt: 500 },
 * "address.city": { in: ["Paris", "Lyon"] } }`. Keys are field names or dotted paths into the
 * document (letters, digits and `_`, not starting with a digit).
 */
export type DocumentWhere = Readonly<Record<string, FieldCondition>>;

/** An order on a field (numbers numerically, strings by code point); ties are broken by id. */
export interface DocumentOrder {
  readonly field: string;
  readonly direction?: "asc" | "desc";
}

export type Op = "eq" | "lt" | "lte" | "gt" | "gte" | "in";

/** One checked condition: the path split, a value of an allowed type. */
export interface Condition {
  readonly path: readonly string[];
  readonly op: Op;
  /** A scalar; a list for `in`. */
  readonly value: JsonScalar | readonly JsonScalar[];
}

export interface CheckedOrder {
  readonly path: readonly string[];
  readonly desc: boolean;
}

/** A query checked once, compiled by each store into its own SQL (or run in memory). */
export interface DocumentQuery {
  readonly conditions: readonly Condition[];
  readonly order: readonly CheckedOrder[];
}

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_DEPTH = 8;
const MAX_IN = 1000;
const OPS: readonly Op[] = ["eq", "in", "lt", "lte", "gt", "gte"];

const invalid = (message: string, details?: unknown) =>
  new TesseraError("TESSERA_VALIDATION", `document query: ${message}`, { details });

/**
 * A field path checked and split. Paths become literal parts of SQL (so that an expression index
 * matches them), hence the strict shape: plain identifiers joined by dots, at most 8 deep.
 */
export function fieldPath(field: string): readonly string[] {
  const path = typeof field === "string" ? field.split(".") : [];
  if (path.length === 0 || path.length > MAX_DEPTH || !path.every((s) => SEGMENT.test(s)))
    throw invalid(`"${String(field)}" is not a field path (names of letters, digits and _, joined by dots)`, {
      field,
    });
  return path;
}

const isScalar = (v: unknown): v is JsonScalar =>
  v === null ||
  typeof v === "string" ||
  typeof v === "boolean" ||
  (typeof v === "number" && Number.isFinite(v));

function scalar(field: string, op: Op, v: unknown): JsonScalar {
  if (!isScalar(v)) throw invalid(`${field}.${op} must be a string, a finite number, a boolean or null`);
  return v;
}

function bound(field: string, op: Op, v: unknown): number | string {
  if (typeof v === "string" || (typeof v === "number" && Number.isFinite(v))) return v;
  throw invalid(`${field}.${op} must be a finite number or a string`);
}

function conditionsOf(field: string, given: FieldCondition): Condition[] {
  const path = fieldPath(field);
  if (isScalar(given)) return [{ path, op: "eq", value: given }];
  if (typeof given !== "object" || Array.isArray(given))
    throw invalid(`${field} must be a value or an object of conditions (${OPS.join(", ")})`);
  const out: Condition[] = [];
  for (const [op, v] of Object.entries(given)) {
    if (v === undefined) continue;
    if (!OPS.includes(op as Op)) throw invalid(`unknown condition "${op}" on ${field} (${OPS.join(", ")})`);
    if (op === "eq") out.push({ path, op, value: scalar(field, op, v) });
    else if (op === "in") {
      if (!Array.isArray(v) || v.length > MAX_IN)
        throw invalid(`${field}.in must be a list of at most ${MAX_IN} values`);
      out.push({ path, op, value: v.map((x) => scalar(field, op, x)) });
    } else out.push({ path, op: op as Op, value: bound(field, op as Op, v) });
  }
  if (out.length === 0) throw invalid(`${field} has no condition`);
  return out;
}

/** Checks `where` and `orderBy` (`TESSERA_VALIDATION` naming the first problem). */
export function documentQuery(
  where: DocumentWhere | undefined,
  orderBy: DocumentOrder | readonly DocumentOrder[] | undefined,
): DocumentQuery {
  if (where !== undefined && (typeof where !== "object" || where === null || Array.isArray(where)))
    throw invalid("where must be an object of field conditions");
  const conditions = Object.entries(where ?? {}).flatMap(([f, c]) => conditionsOf(f, c));
  const orders = orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy];
  const order = (orders as readonly DocumentOrder[]).map((o) => {
    if (typeof o !== "object" || o === null)
      throw invalid("orderBy must be a field name, { field, direction } or a list of them");
    if (o?.direction !== undefined && o.direction !== "asc" && o.direction !== "desc")
      throw invalid(`orderBy.direction must be "asc" or "desc"`);
    return { path: fieldPath(o?.field), desc: o.direction === "desc" };
  });
  return { conditions, order };
}

/** The options of a document query, as `findDocuments` takes them. */
export interface DocumentFind {
  readonly where?: DocumentWhere;
  readonly orderBy?: DocumentOrder | readonly DocumentOrder[];
  readonly after?: string;
  readonly limit?: number;
}

const FIND_KEYS = ["where", "orderBy", "after", "limit"];

/**
 * The options of `findDocuments` checked whatever a caller passed (a request's JSON, `null`): a
 * misspelt key, a `limit` that is no whole number ≥ 0 or an `after` that is no string is
 * `TESSERA_VALIDATION`, the same on every store (they answered 500 with the database's error, or
 * differently per store). A field name alone orders by it ascending.
 *
 * @example
 * checkFind({ where: { owner: "Ada" }, orderBy: "balance", limit: 10 })
 */
export function checkFind(options: unknown): { readonly query: DocumentQuery } & DocumentFind {
  if (options === undefined || options === null) return { query: { conditions: [], order: [] } };
  if (typeof options !== "object" || Array.isArray(options)) throw invalid("options must be an object");
  const o = options as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !FIND_KEYS.includes(k));
  if (unknown.length > 0)
    throw invalid(`unknown option ${unknown.map((k) => `"${k}"`).join(", ")} (${FIND_KEYS.join(", ")})`);
  const { where, after, limit } = o;
  if (after !== undefined && typeof after !== "string")
    throw invalid("after must be a document id (a string)");
  if (limit !== undefined && !(typeof limit === "number" && Number.isSafeInteger(limit) && limit >= 0))
    throw invalid("limit must be a whole number ≥ 0");
  const orderBy = typeof o.orderBy === "string" ? { field: o.orderBy } : o.orderBy;
  return {
    query: documentQuery(where as DocumentWhere | undefined, orderBy as DocumentOrder | undefined),
    ...(after === undefined ? {} : { after }),
    ...(limit === undefined ? {} : { limit }),
  };
}

/** The SQL-side kind of a scalar: which JSON type a field must have to compare with it. */
export function kindOf(v: JsonScalar): "number" | "string" | "boolean" | "null" {
  return v === null ? "null" : (typeof v as "number" | "string" | "boolean");
}
