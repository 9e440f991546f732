// The features' way to check a definition's options: one zod schema per options object, its first
// issue turned into the `TESSERA_DEFINITION` every definition mistake is, naming the option
// (`cart.evolve`, `flow engine.concurrency`). Core cannot import zod (test/architecture): it has
// its own small checker, core/definition-rules.ts, whose messages read the same.
import { z } from "zod";
import { shown } from "../core/definition-rules.js";
import { TesseraError } from "../core/errors.js";

/** A function (zod 4's `z.function()` is not a schema of values). */
export const fnOption = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", {
  error: (issue) => `must be a function, got ${shown(issue.input)}`,
});

/** A Standard Schema (zod, valibot, arktype…). */
export const schemaOption = z.custom<object>(
  (v) =>
    (typeof v === "object" || typeof v === "function") &&
    v !== null &&
    typeof (v as { "~standard"?: { validate?: unknown } })["~standard"]?.validate === "function",
  { error: (issue) => `must be a schema (e.g. z.object({...})), got ${shown(issue.input)}` },
);

/** A declaration of the given `kind` (what `signal()`, `cron()`, `flow()`… return). */
export function kindOption(kind: string | readonly string[], what: string) {
  const kinds = typeof kind === "string" ? [kind] : kind;
  return z.custom<object>((v) => kinds.includes((v as { kind?: string } | null)?.kind as string), {
    error: (issue) => `must be ${what}, got ${shown(issue.input)}`,
  });
}

/**
 * Parses `value` with `schema`, or throws `TESSERA_DEFINITION` naming `name` and the path of the
 * first issue, with what was given and what is expected.
 *
 * @example
 * parseOptions("flow engine", engineOptions, options)
 */
export function parseOptions<S extends z.ZodType>(name: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = [name, ...issue.path.map(String)];
  if (issue.code === "unrecognized_keys") {
    const at = [...path, issue.keys[0]].join(".");
    const known = issue.path.length === 0 && schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    throw TesseraError.definition(
      at,
      `${at} is not an option${known.length === 0 ? "" : ` (known: ${known.join(", ")})`}`,
    );
  }
  const at = path.join(".");
  if (issue.code === "custom") throw TesseraError.definition(at, `${at} ${issue.message}`);
  // zod says what it received for a wrong type; for a wrong value, say it.
  const given = issue.path.reduce<unknown>(
    (v, key) => (v as Record<PropertyKey, unknown> | undefined)?.[key],
    value,
  );
  const got = issue.code === "invalid_type" ? "" : `, got ${shown(given)}`;
  throw TesseraError.definition(at, `${at}: ${issue.message}${got}`);
}
