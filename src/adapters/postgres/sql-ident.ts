/**
 * Quotes an identifier after checking it is a plain one (schema names come from configuration).
 *
 * @example
 * ident("tessera") // "\"tessera\""
 */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`"${name}" must be a lower-case SQL identifier`);
  return `"${name}"`;
}
