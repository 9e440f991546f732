import { jsonSchemaOf, type Schema } from "../../core/schema.js";

/**
 * Whether a state's schema checks each key on its own (a map: `z.record(z.string(), …)`), as its
 * JSON Schema tells: an object with `additionalProperties` and neither `properties` nor
 * `required`. Then a delta is checked by giving the schema the changed keys alone, which is the
 * same check as the whole merged value, at the cost of the delta rather than of the state.
 * Anything else (declared properties, required keys, a library without JSON Schema) is checked
 * whole after the merge.
 */
export function checksKeysAlone(schema: Schema): boolean {
  const json = jsonSchemaOf(schema, "input");
  if (json === undefined || json.type !== "object") return false;
  const extra = json.additionalProperties;
  return (
    json.properties === undefined &&
    json.required === undefined &&
    json.patternProperties === undefined &&
    json.minProperties === undefined &&
    json.maxProperties === undefined &&
    typeof extra === "object" &&
    extra !== null
  );
}
