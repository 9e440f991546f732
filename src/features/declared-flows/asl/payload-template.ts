import { isRecord } from "../field-errors.js";
import type { ContextObject, Json } from "./asl-types.js";
import { type Draws, evaluateIntrinsic } from "./intrinsic-functions.js";
import { queryPath } from "./json-path.js";

/**
 * A payload template (`Parameters`, `ResultSelector`, `ItemSelector`) filled from `input`: a key
 * ending in `.$` takes the value of its path (`$…`, `$$…` for the context object) or of its
 * intrinsic call, without the suffix; nested objects and arrays are filled the same way.
 *
 * @example
 * fillTemplate({ "total.$": "States.MathAdd($.a, $.b)", fixed: 1 }, { a: 1, b: 2 }, ctx, draws) // { total: 3, fixed: 1 }
 */
export function fillTemplate(template: Json, input: Json, context: ContextObject, draws: Draws): Json {
  if (Array.isArray(template)) return template.map((v) => fillTemplate(v, input, context, draws));
  if (!isRecord(template)) return template;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(template as Record<string, Json>)) {
    let k = key;
    let v: Json;
    if (key.endsWith(".$") && typeof value === "string") {
      k = key.slice(0, -2);
      v = value.startsWith("$")
        ? queryPath(value, input, context)
        : evaluateIntrinsic(value, input, context, draws);
    } else v = fillTemplate(value, input, context, draws);
    // Own keys only: a template key "__proto__" is data, not the object's prototype.
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
