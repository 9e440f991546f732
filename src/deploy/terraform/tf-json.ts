// Helpers for Terraform's JSON syntax (`*.tf.json`), where every string is a template.
import { createHash } from "node:crypto";

/**
 * A literal string: Terraform reads `${…}` and `%{…}` in JSON strings as templates, so a value from
 * a `.env` file is escaped (`$${`, `%%{`) to arrive as written.
 *
 * @example
 * literal("price: ${amount}") // "price: $${amount}"
 */
export function literal(value: string): string {
  return value.replace(/([$%])\{/g, (_m, sign: string) => `${sign}${sign}{`);
}

/** An interpolated reference, e.g. `ref("aws_iam_role.lambda.arn")` → `"${aws_iam_role.lambda.arn}"`. */
export function ref(expression: string): string {
  return `\${${expression}}`;
}

/**
 * An AWS resource name from parts: lower case, letters, digits and `-`, at most `max` characters
 * (a long one keeps its start and gets a short hash, so that two long names stay apart).
 *
 * @example
 * awsName(["shop", "prod", "orders"], 64) // "shop-prod-orders"
 */
export function awsName(parts: readonly string[], max: number): string {
  const name = parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (name.length <= max) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, max - 9).replace(/-$/, "")}-${hash}`;
}

/** A Terraform identifier (`[A-Za-z_][A-Za-z0-9_-]*`) from any text. */
export function tfId(text: string): string {
  const id = text.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "");
  return /^[A-Za-z_]/.test(id) ? id : `_${id}`;
}

/** One `*.tf.json` document: `{ resource: { type: { name: {…} } }, … }`. */
export type TfDocument = Record<string, unknown>;

/** Adds a resource to a document. */
export function addResource(
  doc: TfDocument,
  type: string,
  name: string,
  body: Record<string, unknown>,
): void {
  doc.resource ??= {};
  const resources = doc.resource as Record<string, Record<string, unknown>>;
  resources[type] ??= {};
  const ofType = resources[type];
  if (Object.hasOwn(ofType, name)) throw new Error(`duplicate Terraform resource ${type}.${name}`);
  ofType[name] = body;
}
