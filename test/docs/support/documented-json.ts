// Answers as the README writes them: JSON where `…` stands for what varies.
//   "runId":"…"            any value
//   "message":"input: …"   a string, `…` any run of characters
//   {"path":"message",…}   an object with at least these members
//   [{…},…]                an array starting with these items
//   {"id","version"}       an object with exactly these keys, any values
// Without `…`, objects and arrays match exactly.

/** An object member (`…` where a key would be) that lets the object have more members. */
const REST = "…rest";

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  throw new Error(`unterminated string in ${text}`);
}

/** Parses a documented answer into JSON, with markers where the text has `…`. */
export function parseDocumented(text: string): unknown {
  let json = "";
  const open: string[] = [];
  let atKey = false; // at the start of an object's member
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = endOfString(text, i);
      json += text.slice(i, end + 1);
      i = end;
      // A key with no value (`{"id"}`): any value.
      if (atKey && text.slice(i + 1).trimStart()[0] !== ":") json += ':"…"';
      atKey = false;
      continue;
    }
    if (ch === "…") {
      if (atKey) json += `"${REST}":true`;
      else json += open.at(-1) === "[" && /[[,]\s*$/.test(json) ? `"${REST}"` : '"…"';
      atKey = false;
      continue;
    }
    if (/\s/.test(ch)) {
      json += ch;
      continue;
    }
    if (ch === "{" || ch === "[") open.push(ch);
    if (ch === "}" || ch === "]") open.pop();
    atKey = ch === "{" || (ch === "," && open.at(-1) === "{");
    json += ch;
  }
  try {
    return JSON.parse(json);
  } catch (err) {
    throw new Error(`the README's answer is not JSON with …: ${text} (${(err as Error).message})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function stringPattern(documented: string): RegExp {
  const parts = documented.split("…").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("[\\s\\S]*")}$`);
}

/**
 * Where `actual` differs from the documented value (parsed by {@link parseDocumented}): one line
 * per difference, with its path; none when it matches.
 */
export function mismatches(documented: unknown, actual: unknown, path = "$"): string[] {
  if (documented === "…") return [];
  if (typeof documented === "string" && documented.includes("…")) {
    return typeof actual === "string" && stringPattern(documented).test(actual)
      ? []
      : [`${path}: ${JSON.stringify(actual)} is not ${JSON.stringify(documented)}`];
  }
  if (Array.isArray(documented)) {
    if (!Array.isArray(actual)) return [`${path}: ${JSON.stringify(actual)} is not an array`];
    const more = documented.at(-1) === REST;
    const items = more ? documented.slice(0, -1) : documented;
    if (more ? actual.length < items.length : actual.length !== items.length)
      return [`${path}: ${actual.length} items, the README shows ${items.length}${more ? " or more" : ""}`];
    return items.flatMap((d, i) => mismatches(d, actual[i], `${path}[${i}]`));
  }
  if (isObject(documented)) {
    if (!isObject(actual)) return [`${path}: ${JSON.stringify(actual)} is not an object`];
    const keys = Object.keys(documented).filter((k) => k !== REST);
    const extra = REST in documented ? [] : Object.keys(actual).filter((k) => !keys.includes(k));
    return [
      ...keys.flatMap((k) =>
        k in actual ? mismatches(documented[k], actual[k], `${path}.${k}`) : [`${path}.${k}: missing`],
      ),
      ...extra.map((k) => `${path}.${k}: not in the README`),
    ];
  }
  return Object.is(documented, actual)
    ? []
    : [`${path}: ${JSON.stringify(actual)} is not ${JSON.stringify(documented)}`];
}
