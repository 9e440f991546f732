import { z } from "zod";
import { type FieldSpec, fieldTypes } from "../../ports/declared-flow-store.js";
import { isRecord, messages } from "./field-errors.js";

/** A field name; never `__proto__`, whose assignment would replace the prototype of the run's data. */
export const fieldName = /^(?!__proto__$)[A-Za-z_][\w-]*$/;
const typeMessage = `Must be one of: ${fieldTypes.join(", ")}.`;

const fieldSpecSchema = z
  .strictObject({
    name: z
      .string()
      // One message for "__proto__", which fieldName refuses too.
      .refine((n) => n === "__proto__" || fieldName.test(n), {
        error: 'Must be letters, digits, "_" or "-", starting with a letter or "_".',
      })
      .refine((n) => n !== "__proto__", { error: 'A field cannot be named "__proto__".' }),
    type: z.enum(fieldTypes, { error: (iss) => (iss.input === undefined ? messages.missing : typeMessage) }),
    description: z.string().optional(),
    required: z.boolean().optional(),
  })
  .transform(
    ({ name, type, description, required }): FieldSpec => ({
      name,
      type,
      ...(description === undefined ? {} : { description }),
      // `required: true` is the default: not kept.
      ...(required === false ? { required: false } : {}),
    }),
  );

/** Names taken by an earlier field; a field counts once its name and type are strings, as the reader always had it. */
function duplicates(fields: readonly unknown[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    if (!isRecord(f)) return;
    const { name, type } = f;
    if (typeof name !== "string") return;
    if (fieldName.test(name) && seen.has(name))
      ctx.addIssue({ code: "custom", message: `Duplicate field "${name}".`, path: [i, "name"] });
    if (typeof type === "string") seen.add(name);
  });
}

/**
 * A list of `{name, type, description?, required?}` fields: a service's or a flow's inputs and
 * outputs, a signal's payload.
 *
 * @example
 * fieldSpecsSchema.parse([{ name: "message", type: "string" }]);
 */
export const fieldSpecsSchema = z
  .array(fieldSpecSchema)
  // Duplicates are reported alongside the other problems of the list, not after they are fixed.
  .superRefine(duplicates, { when: (payload) => Array.isArray(payload.value) });
