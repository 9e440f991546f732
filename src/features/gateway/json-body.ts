import { TesseraError } from "../../core/errors.js";

/**
 * How deep objects and lists may nest in a JSON body. JSON.parse reads any depth, but what walks a
 * value recursively does not: 10,000 levels in an event's data overflowed the stack of the store's
 * JSON.stringify (500). Far more than any document needs.
 */
export const maxJsonDepth = 256;

/**
 * Parses a JSON body and refuses prototype-poisoning keys (`__proto__`, `constructor.prototype`)
 * and nesting deeper than {@link maxJsonDepth}. The scans only run when the text could hide such a
 * key or be that deep, so ordinary bodies pay one `indexOf` per marker.
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw TesseraError.badRequest(`malformed JSON body: ${(err as Error).message}`);
  }
  refuseUnsafeJson(text, value);
  return value;
}

/**
 * Throws `TESSERA_BAD_REQUEST` when a parsed JSON `value` holds a `__proto__` or
 * `constructor.prototype` key, or nests deeper than {@link maxJsonDepth}. `text` is what it was
 * parsed from: the value is walked only when the text could hide such a key or be that deep.
 */
export function refuseUnsafeJson(text: string, value: unknown): void {
  if (text.includes("__proto__") || text.includes("constructor") || text.includes("\\u")) refusePoison(value);
  // Each level takes two characters at least (`[]`).
  if (text.length > 2 * maxJsonDepth) refuseDeepNesting(value);
}

function refuseDeepNesting(root: unknown): void {
  if (root === null || typeof root !== "object") return;
  const stack: [object, number][] = [[root, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, depth] = top;
    if (depth > maxJsonDepth)
      throw TesseraError.badRequest(`JSON body nests objects and lists deeper than ${maxJsonDepth} levels`, {
        maxDepth: maxJsonDepth,
      });
    for (const child of Object.values(node))
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
}

function refusePoison(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== "object") continue;
    if (Object.hasOwn(node, "__proto__")) {
      throw TesseraError.badRequest('JSON body contains a forbidden "__proto__" key');
    }
    const ctor = (node as Record<string, unknown>).constructor;
    if (
      Object.hasOwn(node, "constructor") &&
      ctor !== null &&
      typeof ctor === "object" &&
      Object.hasOwn(ctor, "prototype")
    ) {
      throw TesseraError.badRequest('JSON body contains a forbidden "constructor.prototype" key');
    }
    for (const child of Object.values(node))
      if (child !== null && typeof child === "object") stack.push(child);
  }
}

/** True for `application/json` and `application/*+json` (parameters such as charset allowed). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const semi = value.indexOf(";");
  const type = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}
