import { parseAsl } from "./asl/parse-asl.js";
import type { FlowDefinition } from "./definition.js";
import { bothFormsMessage, definitionSchema } from "./definition-schema.js";
import { definitionSizeErrors } from "./definition-size.js";
import { type FieldErrors, fieldErrors, isRecord } from "./field-errors.js";
import { fieldErrorsOf, machineryErrorMap } from "./field-errors-of.js";

/** The result of reading a submitted definition: the definition, or every problem of its shape. */
export type Parsed =
  | { readonly ok: true; readonly definition: FlowDefinition }
  | { readonly ok: false; readonly errors: FieldErrors };

/**
 * Reads a submitted definition: its shape, names and types, with every problem reported under its
 * field, as machinery reports them (`{"services":["Not a valid list."]}`). Either `steps` or
 * machinery's `services` (a list of service names called in order).
 *
 * @example
 * parseDefinition({ name: "shout", services: ["upper"], inputs: [{ name: "message", type: "string" }] })
 */
export function parseDefinition(doc: unknown): Parsed {
  // Too large a definition is refused before any check whose time grows faster than its length.
  const tooLarge = definitionSizeErrors(doc);
  if (tooLarge !== undefined) return { ok: false, errors: tooLarge };
  // `"language": "asl"`: a States Language machine under `definition` (see asl/parse-asl.ts).
  if (isRecord(doc) && Object.hasOwn(doc, "language")) {
    if (doc.language === "asl") return parseAsl(doc);
    const errors = fieldErrors();
    errors.language = ['Must be "asl" (the Amazon States Language), or absent.'];
    return { ok: false, errors };
  }
  const read = definitionSchema.safeParse(doc, { error: machineryErrorMap });
  if (read.success) return { ok: true, definition: read.data };
  // Given both forms, neither is read: the one problem is to choose.
  const both = isRecord(doc) && doc.services !== undefined && doc.steps !== undefined;
  const issues = both
    ? read.error.issues.filter(
        (i) => !(i.path[0] === "services" || i.path[0] === "steps") || i.message === bothFormsMessage,
      )
    : read.error.issues;
  return { ok: false, errors: fieldErrorsOf(issues) };
}
