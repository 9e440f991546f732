/** What to add to a project file for a new service. */
export interface ServiceEntry {
  /** The exported variable, e.g. `orderBook`. */
  readonly identifier: string;
  /** The module to import it from, relative to the project file, e.g. `./src/order-book.js`. */
  readonly importFrom: string;
  /** The same module as a project file lists it by path, e.g. `./src/order-book.ts`. */
  readonly modulePath: string;
}

/**
 * The index of the bracket that closes the one at `open`, skipping strings and comments; -1 if
 * there is none. Enough for the project file's own code, not a parser of all TypeScript.
 */
export function closingBracket(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'" || ch === "`") {
      for (i++; i < text.length && text[i] !== ch; i++) if (text[i] === "\\") i++;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end === -1) return -1;
      i = end + 1;
    } else if (ch === "[" || ch === "(" || ch === "{") {
      depth++;
    } else if (ch === "]" || ch === ")" || ch === "}") {
      depth--;
      if (depth === 0) return ch === "]" ? i : -1;
    }
  }
  return -1;
}

/** The `services: [` of the project file (not in a line comment), and where its list ends. */
function servicesList(text: string): { open: number; close: number } | undefined {
  for (const m of text.matchAll(/\bservices\s*:\s*\[/g)) {
    const lineStart = text.lastIndexOf("\n", m.index) + 1;
    if (text.slice(lineStart, m.index).includes("//")) continue;
    const open = m.index + m[0].length - 1;
    const close = closingBracket(text, open);
    return close === -1 ? undefined : { open, close };
  }
  return undefined;
}

/** `item` appended to the list between `open` and `close`, in the list's own layout (one line or one per line). */
function appendItem(text: string, open: number, close: number, item: string): string {
  const inner = text.slice(open + 1, close);
  const body = inner.trimEnd();
  const tail = inner.slice(body.length);
  let added: string;
  if (body.trim() === "") {
    added = item;
  } else if (inner.includes("\n")) {
    const indent = /\n([ \t]*)\S/.exec(inner)?.[1] ?? "  ";
    added = `${body}${body.endsWith(",") ? "" : ","}\n${indent}${item},${tail}`;
  } else {
    added = `${body}${body.endsWith(",") ? " " : ", "}${item}${tail}`;
  }
  return `${text.slice(0, open + 1)}${added}${text.slice(close)}`;
}

/** `line` inserted after the project file's last import (or at the top when it has none). */
function addImport(text: string, line: string): string {
  let end = 0;
  for (const m of text.matchAll(/^import\s[\s\S]*?["'][^"'\n]*["'][ \t]*;?/gm)) end = m.index + m[0].length;
  if (end === 0) return `${line}\n${text}`;
  return `${text.slice(0, end)}\n${line}${text.slice(end)}`;
}

/**
 * The project file with the service registered: imported and appended to `services: [...]`, or
 * its module path appended when the list names modules (`services: ["./src/a.ts"]`). Undefined
 * when the file has no `services: [` list to append to.
 *
 * @example
 * registerService('import { a } from "./src/a.js";\nexport default defineConfig({ services: [a] });', entry)
 * // import { a } from "./src/a.js";\nimport { b } from "./src/b.js";\nexport default defineConfig({ services: [a, b] });
 */
export function registerService(text: string, entry: ServiceEntry): string | undefined {
  const list = servicesList(text);
  if (list === undefined) return undefined;
  const first = /\S/.exec(text.slice(list.open + 1, list.close))?.[0];
  if (first === '"' || first === "'") {
    return appendItem(text, list.open, list.close, `${first}${entry.modulePath}${first}`);
  }
  const withItem = appendItem(text, list.open, list.close, entry.identifier);
  return addImport(withItem, `import { ${entry.identifier} } from "${entry.importFrom}";`);
}

/** Whether the project file already imports or declares `identifier` (a second one would not compile). */
export function usesIdentifier(text: string, identifier: string): boolean {
  const word = new RegExp(`(^|[^\\w$.])${identifier}(?![\\w$])`);
  for (const m of text.matchAll(/^import\s[\s\S]*?["'][^"'\n]*["']/gm)) {
    // The names it brings in, not the module it reads them from.
    const names = m[0].replace(/^import\s+(type\s+)?/, "").replace(/\s*(from\s*)?["'][^"'\n]*["']$/, "");
    if (word.test(names)) return true;
  }
  return new RegExp(`\\b(const|let|var|function|class)\\s+${identifier}(?![\\w$])`).test(text);
}
