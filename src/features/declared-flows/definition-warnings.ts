import type { FieldErrors } from "./field-errors.js";

/**
 * Something a submitted definition does that is not refused, named by its field: an unknown field
 * ignored, a declared output no service provides (on machinery's paths, which accept what machinery
 * accepts).
 *
 * @example
 * { field: "operations", message: "Unknown field: ignored." }
 */
export interface DefinitionWarning {
  readonly field: string;
  readonly message: string;
}

/**
 * The warnings of a per-field problem map, one per message, in the map's order.
 *
 * @example
 * warningsOf({ "outputs.1": ['No flow input or earlier step provides "space_count".'] });
 * // [{ field: "outputs.1", message: 'No flow input or earlier step provides "space_count".' }]
 */
export function warningsOf(errors: FieldErrors): DefinitionWarning[] {
  return Object.entries(errors).flatMap(([field, list]) => list.map((message) => ({ field, message })));
}
