import { z } from "zod";
import type { FieldSpec } from "../../ports/declared-flow-store.js";
import type { FieldErrors } from "./field-errors.js";
import { fieldErrorsOf, machineryErrorMap } from "./field-errors-of.js";
import { fieldSpecsSchema } from "./field-specs-schema.js";

/** An external HTTP service as its registration document describes it. */
export interface ServiceRegistration {
  readonly name: string;
  readonly address: string;
  readonly inputs: FieldSpec[];
  readonly outputs: FieldSpec[];
  readonly description: string | undefined;
}

const registrationSchema = z
  .strictObject(
    {
      name: z
        .string()
        .regex(
          /^[A-Za-z][\w.-]{0,99}$/,
          'Must be up to 100 letters, digits, ".", "_" or "-", starting with a letter.',
        ),
      address: z.string().regex(/^https?:\/\/[^\s]+$/, "Not a valid URL."),
      inputs: fieldSpecsSchema.optional(),
      outputs: fieldSpecsSchema.optional(),
      description: z.string().optional(),
    },
    { error: (iss) => (iss.code === "invalid_type" ? "Invalid input type." : undefined) },
  )
  .transform(
    (s): ServiceRegistration => ({
      name: s.name,
      address: s.address,
      inputs: s.inputs ?? [],
      outputs: s.outputs ?? [],
      description: s.description,
    }),
  );

/**
 * Reads a registration document, machinery's `{name, address, inputs, outputs}` (and a
 * `description`), with every problem reported under its field.
 *
 * @example
 * parseServiceRegistration({ name: "upper", address: "http://127.0.0.1:8080/upper", inputs: [{ name: "message", type: "string" }] })
 */
export function parseServiceRegistration(
  doc: unknown,
): { ok: true; service: ServiceRegistration } | { ok: false; errors: FieldErrors } {
  const read = registrationSchema.safeParse(doc, { error: machineryErrorMap });
  return read.success
    ? { ok: true, service: read.data }
    : { ok: false, errors: fieldErrorsOf(read.error.issues) };
}
