// The fingerprint of an idempotent call's input (issue 17): the same key with another input is a
// conflict. It is taken from the value itself, not from its encoding, so that a key never changes
// which inputs are accepted: any value has one (a non-finite number, a Date, a BigInt, an array
// 5000 levels deep, a cycle), and the entry's own validation answers as it does without a key.
import { createHash } from "node:crypto";

/** Object keys are taken in sorted order: `{a, b}` and `{b, a}` are the same input. */
function childrenOf(value: object, push: (v: unknown) => void, token: (t: string) => void): void {
  if (value instanceof Date) {
    token(`D${value.getTime()};`);
    return;
  }
  if (ArrayBuffer.isView(value)) {
    token(`B${value.byteLength}:`);
    token(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"));
    return;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    token("J");
    push(toJSON.call(value));
    return;
  }
  if (Array.isArray(value) || value instanceof Set) {
    const items = Array.isArray(value) ? value : [...value];
    token(`${Array.isArray(value) ? "[" : "S"}${items.length};`);
    for (let i = items.length - 1; i >= 0; i--) push(items[i]);
    return;
  }
  const entries: [unknown, unknown][] =
    value instanceof Map
      ? [...value]
      : Object.keys(value).map((k) => [k, (value as Record<string, unknown>)[k]]);
  if (!(value instanceof Map)) entries.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
  token(`${value instanceof Map ? "M" : "{"}${entries.length};`);
  for (let i = entries.length - 1; i >= 0; i--) {
    const [k, v] = entries[i]!;
    push(v);
    push(k);
  }
}

function primitive(value: unknown): string {
  switch (typeof value) {
    case "string":
      return `s${value.length}:${value}`;
    case "number":
      return `d${Object.is(value, -0) ? "-0" : String(value)};`;
    case "bigint":
      return `b${value};`;
    case "boolean":
      return value ? "t" : "f";
    case "undefined":
      return "u";
    default:
      return value === null ? "n" : `x${typeof value};`;
  }
}

/**
 * A short, stable digest (SHA-256, base64url) of a value. It walks the value with its own stack
 * (no recursion, so no depth limit) and never throws for plain data; a value met twice (a shared
 * object or a cycle) is written as a reference to its first place.
 */
export function inputFingerprint(input: unknown): string {
  const hash = createHash("sha256");
  let buf = "";
  const token = (t: string) => {
    buf += t;
    if (buf.length > 65_536) {
      hash.update(buf);
      buf = "";
    }
  };
  const seen = new Map<object, number>();
  const stack: unknown[] = [input];
  const push = (v: unknown) => stack.push(v);
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null) {
      token(primitive(v));
      continue;
    }
    const at = seen.get(v);
    if (at !== undefined) {
      token(`r${at};`);
      continue;
    }
    seen.set(v, seen.size);
    childrenOf(v, push, token);
  }
  hash.update(buf);
  return hash.digest("base64url");
}
