import type { z } from "zod";
import { ErrorSink, type FieldErrors, join, messages } from "./field-errors.js";

const typeMessages: Readonly<Record<string, string>> = {
  string: messages.string,
  array: messages.list,
  object: messages.mapping,
  record: messages.mapping,
  number: messages.number,
  int: messages.integer,
  boolean: messages.boolean,
};

/**
 * machinery's messages for zod's generic issues: a missing field, a value of the wrong JSON type,
 * an unknown field. The schemas give their own messages for everything else.
 */
export const machineryErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === "invalid_type")
    return issue.input === undefined ? messages.missing : typeMessages[issue.expected];
  if (issue.code === "unrecognized_keys") return messages.unknown;
  return undefined;
};

/**
 * The per-field error map of zod's issues (parsed with {@link machineryErrorMap}): each message under
 * its dotted path, an unknown key under its own path, the document itself under `_schema`.
 *
 * @example
 * const r = schema.safeParse(doc, { error: machineryErrorMap });
 * if (!r.success) fieldErrorsOf(r.error.issues); // { "steps.0.type": ["Must be one of: …"] }
 */
export function fieldErrorsOf(issues: readonly z.core.$ZodIssue[]): FieldErrors {
  const sink = new ErrorSink();
  for (const issue of issues) {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys")
      for (const key of issue.keys) sink.add(join(path, key), issue.message);
    else sink.add(path, issue.message);
  }
  return sink.errors;
}

/**
 * Adds the issues of a value read apart (with {@link machineryErrorMap}) to the reading of the
 * value around it, under `prefix`; an unknown-keys issue becomes one issue per key.
 */
export function forwardIssues(
  ctx: z.RefinementCtx,
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): void {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys")
      for (const key of issue.keys)
        ctx.addIssue({ code: "custom", message: issue.message, path: [...path, key] });
    else ctx.addIssue({ code: "custom", message: issue.message, path });
  }
}
