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

const schemaOf = (httpOnly: boolean) =>
  z
    .strictObject(
      {
        name: z
          .string()
          .regex(
            /^[A-Za-z][\w.-]{0,99}$/,
            'Must be up to 100 letters, digits, ".", "_" or "-", starting with a letter.',
          ),
        // Any URL: which schemes and hosts may be called is the egress policy's to say, by name
        // (a `file:` or `gopher:` address refused here as "Not a valid URL" named nothing). Without a
        // policy only http and https are read. The scheme in any case (`HTTP://…` is http).
        address: z
          .string()
          .refine((a) => !/\s/.test(a) && URL.canParse(a), "Not a valid URL.")
          .refine(
            // Zod runs every refinement: an address that is no URL was named by the one above.
            (a) => !httpOnly || !URL.canParse(a) || /^https?:$/.test(new URL(a).protocol),
            "Only http and https addresses can be called.",
          ),
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

const httpOnly = schemaOf(true);
const anyScheme = schemaOf(false);

/**
 * Reads a registration document, machinery's `{name, address, inputs, outputs}` (and a
 * `description`), with every problem reported under its field. `httpOnly: false` (a registry
 * under an egress policy, which names the schemes it allows) reads an address of any scheme.
 *
 * @example
 * parseServiceRegistration({ name: "upper", address: "http://127.0.0.1:8080/upper", inputs: [{ name: "message", type: "string" }] })
 */
export function parseServiceRegistration(
  doc: unknown,
  options: { httpOnly?: boolean } = {},
): { ok: true; service: ServiceRegistration } | { ok: false; errors: FieldErrors } {
  const read = (options.httpOnly === false ? anyScheme : httpOnly).safeParse(doc, {
    error: machineryErrorMap,
  });
  return read.success
    ? { ok: true, service: read.data }
    : { ok: false, errors: fieldErrorsOf(read.error.issues) };
}
