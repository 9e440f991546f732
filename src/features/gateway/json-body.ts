import { TesseraError } from "../../core/errors.js";

/**
 * Parses a JSON body and refuses prototype-poisoning keys (`__proto__`, `constructor.prototype`).
 * The scan only runs when the text could hide such a key, so ordinary bodies pay one
 * `indexOf` per marker.
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw TesseraError.badRequest(`malformed JSON body: ${(err as Error).message}`);
  }
  refusePrototypeKeys(text, value);
  return value;
}

/**
 * Throws `TESSERA_BAD_REQUEST` when a parsed JSON `value` holds a `__proto__` or
 * `constructor.prototype` key. `text` is what it was parsed from: the value is walked only when the
 * text could hide such a key.
 */
export function refusePrototypeKeys(text: string, value: unknown): void {
  if (text.includes("__proto__") || text.includes("constructor") || text.includes("\\u")) refusePoison(value);
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
