import { TesseraError } from "../../core/errors.js";
import { validate } from "../../core/schema.js";
import type { StateDef } from "./state.js";

/**
 * A value checked by its state's schema (its output: transforms and defaults applied); a schema
 * that checks asynchronously is refused, as an update is applied at once.
 *
 * @example
 * checkStateValue(book, { min_ask: "101" }) // { min_ask: "101", qty: 1 }
 */
export function checkStateValue<T extends object>(def: StateDef<string, T>, value: unknown): T {
  const out = validate(def.schema, value, `state ${def.name}`);
  if (out instanceof Promise) {
    throw TesseraError.definition(def.name, `state ${def.name}: asynchronous schemas cannot check a state`);
  }
  return out as T;
}
