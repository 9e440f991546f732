import { jsonSchemaOf, type Schema } from "../core/schema.js";

type Json = Record<string, unknown>;

/** A small value that fits a JSON Schema, to show how to call an entry (`{"message":"hello world"}`). */
export function sampleOf(schema: Json | undefined, depth = 0): unknown {
  if (schema === undefined || depth > 4) return undefined;
  if ("default" in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ("const" in schema) return schema.const;
  const options = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (options !== undefined) return sampleOf(options[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return schema.format === "email"
        ? "ada@example.com"
        : schema.format === "uri"
          ? "https://example.com"
          : "hello world";
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 1;
    case "boolean":
      return true;
    case "array":
      return [];
    case "object": {
      const out: Json = {};
      const required = new Set((schema.required as string[] | undefined) ?? []);
      for (const [key, sub] of Object.entries(
        (schema.properties as Record<string, Json> | undefined) ?? {},
      )) {
        if (required.has(key)) out[key] = sampleOf(sub, depth + 1);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** A sample input for an entry's input schema, or undefined when none can be told. */
export function sampleInput(schema: Schema | undefined): unknown {
  return sampleOf(jsonSchemaOf(schema, "input"));
}
