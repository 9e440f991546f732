import type { EntryRef } from "../../core/context.js";
import { jsonSchemaOf } from "../../core/schema.js";
import type { FieldSpec, FieldType } from "../../ports/declared-flow-store.js";

function typeOf(schema: unknown): FieldType {
  const t = (schema as { type?: unknown } | undefined)?.type;
  const one = Array.isArray(t) ? t.find((x) => x !== "null") : t;
  if (one === "integer") return "int";
  if (one === "string" || one === "number" || one === "boolean" || one === "object" || one === "array")
    return one;
  return "object";
}

/**
 * The fields of an entry's input or output schema (its JSON Schema's top-level properties), or
 * undefined when the schema is missing or not an object's.
 */
export function entryFields(ref: EntryRef, io: "input" | "output"): FieldSpec[] | undefined {
  const schema = jsonSchemaOf(io === "input" ? ref.options.input : ref.options.output, io);
  const props = schema?.properties as Record<string, Record<string, unknown>> | undefined;
  if (schema === undefined || props === undefined) return undefined;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, p]) => ({
    name,
    type: typeOf(p),
    ...(typeof p.description === "string" ? { description: p.description } : {}),
    ...(required.has(name) ? {} : { required: false }),
  }));
}
