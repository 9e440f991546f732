import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import { TesseraError } from "./errors.js";

/** Any Standard Schema (zod 4, valibot, arktype, …). */
export type Schema<In = unknown, Out = In> = StandardSchemaV1<In, Out>;
/** The type a schema accepts (what a caller must pass). */
export type InferIn<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : undefined;
/** The type a schema produces after parsing (what a handler receives). */
export type InferOut<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : undefined;

/** One validation problem: a dotted path (`items.0.name`, empty for the root) and a message. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

function issuePath(path: StandardSchemaV1.Issue["path"]): string {
  if (path === undefined || path.length === 0) return "";
  let out = "";
  for (const seg of path) {
    const key = typeof seg === "object" ? seg.key : seg;
    out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function toValidationError(what: string, issues: readonly StandardSchemaV1.Issue[]): TesseraError {
  const list: ValidationIssue[] = issues.map((i) => ({ path: issuePath(i.path), message: i.message }));
  const summary = list.map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`)).join("; ");
  return new TesseraError("TESSERA_VALIDATION", `invalid ${what}: ${summary}`, { details: { issues: list } });
}

/**
 * Validates `value` against a Standard Schema. Returns the parsed value synchronously when the
 * schema is synchronous (the common case, kept free of promises for speed), or a promise for an
 * asynchronous schema. Throws (or rejects with) `TESSERA_VALIDATION` listing every issue.
 */
export function validate<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  what: string,
): InferOut<S> | Promise<InferOut<S>> {
  const result = schema["~standard"].validate(value);
  if (result instanceof Promise) {
    return result.then((r) => {
      if (r.issues) throw toValidationError(what, r.issues);
      return r.value as InferOut<S>;
    });
  }
  if (result.issues) throw toValidationError(what, result.issues);
  return result.value as InferOut<S>;
}

/** The JSON Schema (draft 2020-12) of a schema, when its library implements Standard JSON Schema. */
export function jsonSchemaOf(
  schema: StandardSchemaV1 | undefined,
  io: "input" | "output",
): Record<string, unknown> | undefined {
  if (schema === undefined) return undefined;
  const converter = (schema["~standard"] as Partial<StandardJSONSchemaV1.Props>).jsonSchema;
  if (converter === undefined) return undefined;
  try {
    const out = converter[io]({ target: "draft-2020-12" });
    const { $schema: _ignored, ...rest } = out;
    return rest;
  } catch {
    return undefined;
  }
}
