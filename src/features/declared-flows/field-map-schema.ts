import { z } from "zod";
import { isRecord, messages } from "./field-errors.js";
import { forwardIssues, machineryErrorMap } from "./field-errors-of.js";
import { fieldName } from "./field-specs-schema.js";

/**
 * A JSON object from data field names to values read by `value` (a step's `input` and `output`):
 * every key and every value checked, each problem under its key.
 *
 * Not `z.record`: it passes over an own `"__proto__"` key without a word (the key would be dropped,
 * not refused), and it does not read the value of a key it refuses.
 *
 * @example
 * fieldMapSchema(z.string()).parse({ shouted: "message" });
 */
export function fieldMapSchema<T>(value: z.ZodType<T>) {
  return z
    .custom<Record<string, unknown>>(isRecord, { error: messages.mapping, abort: false })
    .transform((map, ctx) => {
      const entries: [string, T][] = [];
      for (const [key, v] of Object.entries(map)) {
        if (!fieldName.test(key))
          ctx.addIssue({ code: "custom", message: "Not a valid field name.", path: [key] });
        const read = value.safeParse(v, { error: machineryErrorMap });
        if (read.success) entries.push([key, read.data]);
        else forwardIssues(ctx, read.error.issues, [key]);
      }
      // fromEntries defines own properties: no key reaches a prototype setter.
      return Object.fromEntries(entries) as Record<string, T>;
    });
}
