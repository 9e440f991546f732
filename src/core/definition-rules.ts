// The checker of definition options. Core may import no library but the Standard Schema types (see
// test/architecture), so zod is not at hand here: these few rules are what the definitions of
// core need (an object of known keys, numbers in a range, functions, lists, schemas), each naming
// the option it refuses. Features use zod schemas through `features/definition-schema.ts`.
import { TesseraError } from "./errors.js";

/** What is wrong with an option: where (`orders.get.timeout`) and what was expected. */
export interface DefinitionProblem {
  readonly at: string;
  readonly message: string;
}

/** A rule checks a value found at `at`; it returns the first problem, or undefined when it fits. */
export type Rule = (value: unknown, at: string) => DefinitionProblem | undefined;

/** How a value is shown in a message: its JSON for a scalar, its kind otherwise. */
export function shown(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object" && value !== null) return "an object";
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
}

const problem = (at: string, expected: string, value: unknown): DefinitionProblem => ({
  at,
  message: `${at} must be ${expected}, got ${shown(value)}`,
});

/** A rule from a predicate and what it expects. */
export function is(test: (value: unknown) => boolean, expected: string): Rule {
  return (value, at) => (test(value) ? undefined : problem(at, expected, value));
}

/** A function. */
export const fn: Rule = is((v) => typeof v === "function", "a function");
/** `true` or `false`. */
export const bool: Rule = is((v) => typeof v === "boolean", "true or false");
/** A string. */
export const text: Rule = is((v) => typeof v === "string", "a string");

/** A finite number, with bounds: `gt` (exclusive), `min`/`max` (inclusive), `integer`. */
export function num(bounds: { gt?: number; min?: number; max?: number; integer?: boolean }): Rule {
  const parts = [
    bounds.integer ? "an integer" : "a number",
    bounds.gt === undefined ? "" : `> ${bounds.gt}`,
    bounds.min === undefined ? "" : `>= ${bounds.min}`,
    bounds.max === undefined ? "" : `<= ${bounds.max}`,
  ].filter((p) => p !== "");
  return is(
    (v) =>
      typeof v === "number" &&
      Number.isFinite(v) &&
      (!bounds.integer || Number.isInteger(v)) &&
      (bounds.gt === undefined || v > bounds.gt) &&
      (bounds.min === undefined || v >= bounds.min) &&
      (bounds.max === undefined || v <= bounds.max),
    parts.join(" "),
  );
}

/** One of the listed values. */
export function oneOf(values: readonly unknown[]): Rule {
  return is((v) => values.includes(v), `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`);
}

/** A Standard Schema (zod 4, valibot, arktype…). */
export const schema: Rule = is((v) => {
  const std = (v as { "~standard"?: { validate?: unknown } } | null | undefined)?.["~standard"];
  return (typeof v === "object" || typeof v === "function") && typeof std?.validate === "function";
}, "a schema (e.g. z.object({...}))");

/** A list whose every item fits `item` (each checked at `at.<index>`). */
export function listOf(item: Rule): Rule {
  return (value, at) => {
    if (!Array.isArray(value)) return problem(at, "a list", value);
    for (const [i, v] of value.entries()) {
      const found = item(v, `${at}.${i}`);
      if (found) return found;
    }
    return undefined;
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An object whose every value fits `item` (each checked at `at.<key>`). */
export function recordOf(item: Rule): Rule {
  return (value, at) => {
    if (!isPlainObject(value)) return problem(at, "an object", value);
    for (const [key, v] of Object.entries(value)) {
      const found = item(v, `${at}.${key}`);
      if (found) return found;
    }
    return undefined;
  };
}

/**
 * Marks a field of a {@link shape} as required (the others may be left out or `undefined`): a
 * missing one is checked like a wrong one, so that the message says what is expected.
 */
export function required(rule: Rule): Rule {
  const out: Rule = (value, at) => rule(value, at);
  return Object.assign(out, { required: true });
}

/**
 * An options object: only the listed keys (a typo such as `timout` is refused, naming the keys
 * that exist), each checked at `at.<key>` when given.
 */
export function shape(fields: Readonly<Record<string, Rule>>): Rule {
  const known = Object.keys(fields);
  return (value, at) => {
    if (!isPlainObject(value)) return problem(at, "an object of options", value);
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(fields, key))
        return { at: `${at}.${key}`, message: `${at}.${key} is not an option (known: ${known.join(", ")})` };
    }
    for (const [key, rule] of Object.entries(fields)) {
      const v = value[key];
      if (v === undefined && !(rule as { required?: boolean }).required) continue;
      const found = rule(v, `${at}.${key}`);
      if (found) return found;
    }
    return undefined;
  };
}

/** Throws the problem `rule` finds in `value` as `TESSERA_DEFINITION`, naming the option. */
export function checkOptions(at: string, value: unknown, rule: Rule): void {
  const found = rule(value, at);
  if (found) throw TesseraError.definition(found.at, found.message);
}

/**
 * Why `value` fails its own schema (a default, an initial value), or undefined when it passes. An
 * asynchronous schema cannot be checked while declaring: it passes here.
 */
export function failsSchema(s: { "~standard": { validate(v: unknown): unknown } }, value: unknown) {
  const result = s["~standard"].validate(value) as { issues?: readonly { message: string }[] };
  if (result instanceof Promise || result.issues === undefined) return undefined;
  return result.issues.map((i) => i.message).join("; ");
}
