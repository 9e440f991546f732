import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { FieldSpec } from "../../ports/declared-flow-store.js";
import { checkFields } from "./field-values.js";

/**
 * A Standard Schema of declared fields (what the engine validates a run's input or a signal's
 * payload with): the value must be a JSON object whose fields have their declared types; each
 * problem is an issue under the field's name. Other fields pass through.
 */
export function fieldsSchema(fields: readonly FieldSpec[]): StandardSchemaV1<Record<string, unknown>> {
  return {
    "~standard": {
      version: 1,
      vendor: "tessera-declared",
      validate(value) {
        if (value === null || typeof value !== "object" || Array.isArray(value))
          return { issues: [{ message: "Not a valid mapping type." }] };
        const errors = checkFields(fields, value as Record<string, unknown>);
        const issues = Object.entries(errors).flatMap(([path, list]) =>
          list.map((message) => ({ message, path: [path] })),
        );
        return issues.length > 0 ? { issues } : { value: value as Record<string, unknown> };
      },
    },
  };
}

/** The input schema of a deleted flow: every new run is refused (the runs in flight go on). */
export function deletedSchema(
  flow: string,
): StandardSchemaV1<Record<string, unknown>> & { readonly deleted: true } {
  return {
    deleted: true,
    "~standard": {
      version: 1,
      vendor: "tessera-declared",
      validate: () => ({ issues: [{ message: `the declared flow ${flow} was deleted` }] }),
    },
  };
}
