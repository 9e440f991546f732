/**
 * The SQL stores keep JSON values as text: `undefined` is SQL `NULL` (and back), anything else its
 * JSON text.
 *
 * @example
 * jsonColumn({ a: 1 }) // '{"a":1}'
 */
export function jsonColumn(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** The value of a JSON text column (`NULL` → `undefined`). */
export function parseJsonColumn(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}
