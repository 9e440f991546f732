import { TesseraError } from "../../core/errors.js";
import type { FieldSpec } from "../../ports/declared-flow-store.js";
import type { CallStep, Source } from "./definition.js";
import { isRecord } from "./field-errors.js";
import { fieldValue } from "./field-values.js";

export type Data = Record<string, unknown>;

/** The value at a dotted path (`order.items.0`), or undefined. */
export function getPath(data: unknown, path: string): unknown {
  let at: unknown = data;
  for (const key of path.split(".")) {
    if (at === null || typeof at !== "object" || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * The input of a call: the service's declared inputs from the data fields of the same names, then
 * the mapped fields. A registered service that declares no inputs gets no data field (it used to
 * get the whole data); only `whole` (one of Tesserae's entries whose input schema names no fields)
 * starts from the whole data.
 */
export function inputOf(
  mapping: Readonly<Record<string, Source>> | undefined,
  fields: readonly FieldSpec[],
  data: Data,
  whole = false,
): Data {
  const out: Data = whole && fields.length === 0 && mapping === undefined ? { ...data } : {};
  for (const f of fields) {
    const v = fieldValue(data, f.name);
    if (v !== undefined) out[f.name] = v;
  }
  for (const [k, s] of Object.entries(mapping ?? {})) {
    const v = typeof s === "string" ? getPath(data, s) : s.value;
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Merges a call's result into the data as the step says (`into`, an `output` mapping, or the whole object). */
export function applyResult(step: CallStep, result: unknown, data: Data): void {
  if (step.into !== undefined) {
    data[step.into] = result ?? null;
    return;
  }
  if (step.output !== undefined) {
    for (const [k, p] of Object.entries(step.output)) {
      const v = getPath(result, p);
      if (v !== undefined) data[k] = v;
    }
    return;
  }
  if (result === undefined || result === null) return;
  if (!isRecord(result)) {
    throw new TesseraError(
      "TESSERA_UNAVAILABLE",
      `service ${step.service} answered a JSON ${Array.isArray(result) ? "array" : typeof result}, not an object to merge (give the step "into")`,
      { details: { step: step.id, service: step.service } },
    );
  }
  mergeInto(data, result);
}

/**
 * Copies an object's fields into the data. Not `Object.assign`: a `"__proto__"` key (which
 * `JSON.parse` makes an own key) would replace the prototype of the data; it is skipped (no
 * declared field can have that name).
 */
export function mergeInto(data: Data, from: Readonly<Record<string, unknown>>): void {
  for (const [k, v] of Object.entries(from)) if (k !== "__proto__") data[k] = v;
}
