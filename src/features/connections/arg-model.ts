import { schema as isSchema, shown } from "../../core/definition-rules.js";
import { TesseraError } from "../../core/errors.js";
import type { InferIn, InferOut, Schema, ValidationIssue } from "../../core/schema.js";

/** An optional key of an argument model. */
export interface OptionalArg<S extends Schema = Schema> {
  readonly schema: S;
  readonly optional: true;
}

/** The keys of an argument model: a schema (required key) or `optional(schema)`. */
export type ArgShape = Readonly<Record<string, Schema | OptionalArg>>;

type RequiredKeys<M> = { [K in keyof M]: M[K] extends OptionalArg ? never : K }[keyof M];
type OptionalKeys<M> = { [K in keyof M]: M[K] extends OptionalArg ? K : never }[keyof M];
type SchemaOf<V> = V extends OptionalArg<infer S> ? S : V;
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** The arguments a sender gives (each schema's input). */
export type ArgsIn<M extends ArgShape> = Flat<
  { readonly [K in RequiredKeys<M>]: InferIn<SchemaOf<M[K]>> } & {
    readonly [K in OptionalKeys<M>]?: InferIn<SchemaOf<M[K]>>;
  }
>;
/** The arguments a receiver gets (each schema's output). */
export type ArgsOut<M extends ArgShape> = Flat<
  { readonly [K in RequiredKeys<M>]: InferOut<SchemaOf<M[K]>> } & {
    readonly [K in OptionalKeys<M>]?: InferOut<SchemaOf<M[K]>>;
  }
>;

/**
 * An argument model (service_framework's): named keys, each required or optional, each with its
 * schema; a key the model does not name is refused. Checked by Tesserae key by key, whatever the
 * schema library, so that every message is checked the same way.
 */
export interface ArgModel<M extends ArgShape = ArgShape> {
  readonly kind: "args";
  readonly keys: M;
}

/**
 * Marks a key of an argument model as optional.
 *
 * @example
 * args({ symbol: z.string(), currency: optional(z.string()) })
 */
export function optional<S extends Schema>(schema: S): OptionalArg<S> {
  return { schema, optional: true };
}

/**
 * Declares an argument model: required keys (a schema) and optional ones (`optional(schema)`).
 *
 * @example
 * const Quote = args({ symbol: z.string(), price: z.number(), venue: optional(z.string()) });
 */
export function args<M extends ArgShape>(keys: M): ArgModel<M> {
  if (!isObject(keys))
    throw TesseraError.definition("args", `args({...}) takes an object of keys, got ${shown(keys)}`);
  for (const [key, spec] of Object.entries(keys)) {
    if (isSchema(spec, key) && isSchema((spec as OptionalArg | null)?.schema, key))
      throw TesseraError.definition(
        key,
        `argument "${key}" needs a schema (e.g. z.string()), got ${shown(spec)}`,
      );
  }
  return Object.freeze({ kind: "args", keys });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks `value` against the model: every problem at once (a missing required key, a key of the
 * wrong type, a key the model does not name) as `TESSERA_VALIDATION` naming `what`; else the
 * parsed arguments. Asynchronous schemas are refused (a message is checked on the spot).
 */
export function checkArgs<M extends ArgShape>(model: ArgModel<M>, value: unknown, what: string): ArgsOut<M> {
  const issues: ValidationIssue[] = [];
  if (!isObject(value)) {
    issues.push({ path: "", message: "expected an object of named arguments" });
  } else {
    const out: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(model.keys)) {
      const optionalKey = !("~standard" in spec);
      const schema = optionalKey ? (spec as OptionalArg).schema : (spec as Schema);
      if (!Object.hasOwn(value, key) || value[key] === undefined) {
        if (!optionalKey) issues.push({ path: key, message: "required argument missing" });
        continue;
      }
      const r = schema["~standard"].validate(value[key]);
      if (r instanceof Promise) {
        issues.push({ path: key, message: "asynchronous schemas cannot check a message" });
        continue;
      }
      if (r.issues !== undefined) {
        for (const i of r.issues) {
          const sub = (i.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join(".");
          issues.push({ path: sub === "" ? key : `${key}.${sub}`, message: i.message });
        }
      } else {
        out[key] = r.value;
      }
    }
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(model.keys, key)) issues.push({ path: key, message: "unknown argument" });
    }
    if (issues.length === 0) return out as ArgsOut<M>;
  }
  const summary = issues.map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`)).join("; ");
  throw new TesseraError("TESSERA_VALIDATION", `invalid ${what}: ${summary}`, { details: { issues } });
}
