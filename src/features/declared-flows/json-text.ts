/**
 * Whether a text is JSON. Used on error paths only, to tell a body that is not JSON from one the
 * gateway's `parseJsonBody` refused for a forbidden key.
 *
 * @example
 * isJsonText('{"a":1}'); // true
 */
export function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
