import type { FieldSpec, FieldType } from "../../ports/declared-flow-store.js";
import { type FieldErrors, fieldErrors } from "./field-errors.js";

/** The declared type a JSON value has (`int` for whole numbers, which a `number` field accepts too). */
export function typeOfValue(v: unknown): FieldType | "null" {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "number";
  if (typeof v === "string" || typeof v === "boolean") return typeof v as FieldType;
  return "object";
}

/** Whether a value fits a declared type. */
export function fits(type: FieldType, v: unknown): boolean {
  const t = typeOfValue(v);
  return t === type || (type === "number" && t === "int");
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

/**
 * The value of a data field: an own key only, so that a field named `constructor` or `toString`
 * that the data lacks is missing, not Object.prototype's member.
 */
export const fieldValue = (data: Readonly<Record<string, unknown>>, name: string): unknown =>
  Object.hasOwn(data, name) ? data[name] : undefined;

/**
 * Checks data against declared fields: every problem under the field's name
 * (`{"message":["Missing data for required field."]}`, `{"count":["Not a valid int: got a string."]}`).
 */
export function checkFields(
  fields: readonly FieldSpec[],
  data: Readonly<Record<string, unknown>>,
): FieldErrors {
  const errors = fieldErrors();
  for (const f of fields) {
    const v = fieldValue(data, f.name);
    if (v === undefined || v === null) {
      if (f.required !== false) errors[f.name] = ["Missing data for required field."];
    } else if (!fits(f.type, v)) {
      errors[f.name] = [`Not a valid ${f.type}: got ${article(typeOfValue(v))}.`];
    }
  }
  return errors;
}
