import { TesseraError } from "../core/errors.js";

const line = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;
const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/**
 * Parses a dotenv file: `KEY=value` lines, `#` comments, an optional `export ` prefix. Values may
 * be unquoted (trimmed, ` #` starts a comment), 'single-quoted' (literal) or "double-quoted"
 * (`\n`, `\t`, `\"` escapes; may span lines). No variable expansion: what is written is what is set.
 *
 * Not Node's `util.parseEnv` (Node 20.12+ only, where our floor is 20.0) nor the `dotenv`
 * package: both cut `A=a#b` to `a`, do not unescape `\"` or `\t`, and pass a malformed line or
 * an unclosed quote silently, where this parser names the file and line.
 *
 * @example
 * parseDotenv("PORT=8080\nGREETING='hello # world'") // { PORT: "8080", GREETING: "hello # world" }
 */
export function parseDotenv(text: string, file = ".env"): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const current = lines[i]!;
    if (/^\s*(#|$)/.test(current)) continue;
    const m = line.exec(current);
    if (m === null) throw new TesseraError("TESSERA_CONFIG", `${file} line ${i + 1}: expected KEY=value`);
    const key = m[1]!;
    let rest = m[2]!;
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      const start = i;
      let body = rest.slice(1);
      let end = body.indexOf(quote);
      // A double-quoted value may continue on the next lines; an escaped quote does not close it.
      while (quote === '"' && (end === -1 || isEscaped(body, end))) {
        if (end !== -1) {
          end = body.indexOf(quote, end + 1);
          continue;
        }
        if (++i >= lines.length) {
          throw new TesseraError("TESSERA_CONFIG", `${file} line ${start + 1}: unterminated quoted value`);
        }
        body += `\n${lines[i]}`;
        end = body.indexOf(quote);
      }
      if (end === -1) {
        throw new TesseraError("TESSERA_CONFIG", `${file} line ${start + 1}: unterminated quoted value`);
      }
      const value = body.slice(0, end);
      const after = body.slice(end + 1);
      if (!/^\s*(#.*)?$/.test(after)) {
        throw new TesseraError(
          "TESSERA_CONFIG",
          `${file} line ${i + 1}: unexpected text after the quoted value`,
        );
      }
      out[key] = quote === '"' ? value.replace(/\\([nrt"\\])/g, (_, c: string) => escapes[c]!) : value;
    } else {
      const hash = rest.search(/\s#/);
      if (hash !== -1) rest = rest.slice(0, hash);
      out[key] = rest.trim();
    }
  }
  return out;
}

function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  for (let j = index - 1; j >= 0 && text[j] === "\\"; j--) backslashes++;
  return backslashes % 2 === 1;
}
