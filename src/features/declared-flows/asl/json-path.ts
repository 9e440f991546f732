import { JSONPath } from "jsonpath-plus";
import { isRecord } from "../field-errors.js";
import { AslError, runtimeError } from "./asl-error.js";
import type { ContextObject, Json } from "./asl-types.js";

// A path that can match more than one value (a wildcard, a filter, a slice, a union, a descent)
// gives the list of its matches; a definite path gives the value it names.
const indefinite = /\*|\.\.|\?\(|\[[^\]]*[:,][^\]]*\]/;

/**
 * jsonpath-plus's evaluation, any throw of it (a filter its safe evaluator refuses, such as
 * `$..[?(@.a.constructor.constructor)]`, a malformed path) a `States.Runtime` error rather than an
 * internal one. Filters run in its safe evaluator (`eval: "safe"`), never JavaScript's `eval`.
 */
function evaluatePath(path: string, expr: string, json: Json): (Json | undefined)[] {
  try {
    return JSONPath({ path: expr, json: json as never, wrap: true, eval: "safe" }) as (Json | undefined)[];
  } catch (err) {
    throw runtimeError(
      `the JSONPath ${path} cannot be evaluated: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * The value a JSONPath names in `input` (`$$…` in the context object). jsonpath-plus evaluates it
 * (filters with its safe evaluator, never `eval`); a path that matches nothing is `States.Runtime`.
 *
 * @example
 * queryPath("$.order.items[0]", { order: { items: [3] } }, () => ({})) // 3
 */
export function queryPath(path: string, input: Json, context: ContextObject): Json {
  const onContext = path.startsWith("$$");
  const json = onContext ? context() : input;
  const expr = onContext ? path.slice(1) : path;
  const found = evaluatePath(path, expr, json) as Json[];
  if (indefinite.test(expr)) return found;
  if (found.length === 0) throw runtimeError(`the JSONPath ${path} matched nothing in the state's input`);
  return found[0] as Json;
}

/** Whether a path names a value in `input` (a Choice's `IsPresent`). */
export function hasPath(path: string, input: Json, context: ContextObject): boolean {
  const onContext = path.startsWith("$$");
  const json = onContext ? context() : input;
  const found = evaluatePath(path, onContext ? path.slice(1) : path, json);
  // A key whose value is undefined is absent from JSON (a caller's object may hold one).
  return found.some((v) => v !== undefined);
}

/** The keys of a reference path (`$.a['b'][0]` → `["a", "b", 0]`), via jsonpath-plus's own reader. */
export function referenceKeys(path: string): (string | number)[] {
  return JSONPath.toPathArray(path)
    .slice(1)
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
}

const clone = (v: Json): Json => structuredClone(v);

/**
 * The state's input with `result` placed at a `ResultPath` (`$`: the result alone; `null`: the
 * input unchanged); missing objects on the way are created. A path through a value that is not an
 * object is `States.ResultPathMatchFailure`.
 */
export function placeResult(path: string | null | undefined, input: Json, result: Json): Json {
  if (path === undefined || path === "$") return result;
  if (path === null) return input;
  const keys = referenceKeys(path);
  if (keys.length === 0) return result;
  const root = clone(input);
  let at: Json = root;
  for (const [i, k] of keys.entries()) {
    const last = i === keys.length - 1;
    if (typeof k === "number" && Array.isArray(at)) {
      if (last) at[k] = result;
      else at = at[k] ??= {};
      continue;
    }
    if (!isRecord(at)) throw resultPathFailure(path);
    const obj = at as Record<string, Json>;
    const key = String(k);
    if (last) {
      Object.defineProperty(obj, key, {
        value: result,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      const next = Object.hasOwn(obj, key) ? obj[key] : undefined;
      if (next === undefined || next === null) {
        const created = {};
        Object.defineProperty(obj, key, {
          value: created,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        at = created;
      } else at = next;
    }
  }
  return root;
}

const resultPathFailure = (path: string) =>
  new AslError(
    "States.ResultPathMatchFailure",
    `the ResultPath ${path} cannot be placed in the state's input`,
  );
