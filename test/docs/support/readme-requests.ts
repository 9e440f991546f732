// The requests of a README section and the answers it documents: every `curl` line of its `sh`
// block (with the `# answer` line after it) and every row of its request/answer table. Anything
// these parsers do not understand throws: a new kind of line must be taught, not skipped.
import { parseDocumented } from "./documented-json.js";

/** What the README says an answer is. */
export interface Expected {
  /** When the README gives none, any 2xx. */
  readonly status?: number;
  /** The whole JSON body, as documented (see `parseDocumented`). */
  readonly body?: unknown;
  /** One member of the body: `output` `{…}`. */
  readonly field?: { readonly name: string; readonly value: unknown };
  /** `error.code` of the body. */
  readonly code?: string;
  /** Headers the answer carries (`Location`, `Allow`). */
  readonly headers: readonly string[];
}

export interface DocumentedRequest {
  /** The README's text, to name the check. */
  readonly source: string;
  readonly method: string;
  /** May hold `<runId>` or `<id>`: the latest such value an answer gave. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly expected: Expected;
}

/** The text of the `## <title>` section. */
export function section(readme: string, title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`no section "## ${title}" in the README`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** Shell words: single and double quotes, backslash escapes. */
function words(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let s = "";
      for (i++; line[i] !== '"'; i++) s += line[i] === "\\" ? line[++i] : line[i];
      word = (word ?? "") + s;
    } else if (ch === "\\") {
      word = (word ?? "") + line[++i];
    } else {
      word = (word ?? "") + ch;
    }
  }
  if (word !== undefined) out.push(word);
  return out;
}

function curlRequest(line: string): Omit<DocumentedRequest, "expected"> {
  const [cmd, ...args] = words(line);
  if (cmd !== "curl") throw new Error(`not a curl line: ${line}`);
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-s") continue;
    if (arg === "-X") method = args[++i];
    else if (arg === "-H") {
      const [name, ...value] = args[++i]!.split(":");
      headers[name!.trim().toLowerCase()] = value.join(":").trim();
    } else if (arg === "-d" || arg === "--data") body = args[++i];
    else if (!arg.startsWith("-") && url === undefined) url = arg;
    else throw new Error(`curl option ${arg} is not understood by this test: ${line}`);
  }
  const path = /^(?:http:\/\/)?localhost:3000(\/\S*)$/.exec(url ?? "")?.[1];
  if (path === undefined) throw new Error(`curl to something else than localhost:3000: ${line}`);
  return {
    source: line,
    method: method ?? (body === undefined ? "GET" : "POST"),
    path,
    headers,
    ...(body === undefined ? {} : { body }),
  };
}

/** `# 400 {…}` or `# {…}`. */
export function commentAnswer(text: string): Expected {
  const m = /^(?:(\d{3})\b\s*)?(.*)$/.exec(text)!;
  return {
    ...(m[1] === undefined ? {} : { status: Number(m[1]) }),
    ...(m[2] === "" ? {} : { body: parseDocumented(m[2]!) }),
    headers: [],
  };
}

/** The curl lines of the section's first `sh` block, each with the answer on the `#` line after it. */
export function curlRequests(text: string): DocumentedRequest[] {
  const block = /```sh\n([\s\S]*?)```/.exec(text)?.[1];
  if (block === undefined) throw new Error("no sh block");
  const lines = block.replace(/\\\n\s*/g, " ").split("\n");
  const out: DocumentedRequest[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const request = curlRequest(line);
    const answer = lines[i + 1]?.trim();
    const expected = answer?.startsWith("# ") ? commentAnswer(answer.slice(2)) : { headers: [] };
    if (answer?.startsWith("# ")) i++;
    out.push({ ...request, expected });
  }
  return out;
}

const json = { "content-type": "application/json" };

/** Requests the table writes in words, after a request on the same path. */
const phrases: Record<string, (r: DocumentedRequest) => Omit<DocumentedRequest, "expected" | "source">> = {
  "a `text/plain` body": (r) => ({ ...r, headers: { "content-type": "text/plain" }, body: "hello world" }),
  "a 2 MiB body": (r) => ({
    ...r,
    headers: json,
    body: JSON.stringify({ message: "x".repeat(2 * 1024 * 1024) }),
  }),
};

function tableRequests(cell: string, previous: DocumentedRequest | undefined): DocumentedRequest[] {
  const same = /^the same with `([^`]+)`$/.exec(cell);
  if (same !== null) {
    if (previous?.body === undefined) throw new Error(`"${cell}": no request before it`);
    const body = { ...JSON.parse(previous.body), ...JSON.parse(`{${same[1]}}`) };
    return [{ ...previous, source: cell, body: JSON.stringify(body) }];
  }
  const m = /^`(GET|POST|PUT|PATCH|DELETE) (\/\S*)`(.*)$/.exec(cell);
  if (m === null) {
    const phrase = phrases[cell];
    if (phrase === undefined || previous === undefined) throw new Error(`cannot read the request "${cell}"`);
    return [
      {
        ...phrase(previous),
        source: `${previous.method} ${previous.path}, ${cell}`,
        expected: { headers: [] },
      },
    ];
  }
  const [, method, path, rest] = m as unknown as [string, string, string, string];
  const base = { source: cell, method, path, headers: {}, expected: { headers: [] } };
  const bodies = /^ `([{[][^`]*)`((?: or `[{[][^`]*`)*)$/.exec(rest);
  if (bodies !== null) {
    const all = [bodies[1]!, ...[...bodies[2]!.matchAll(/`([^`]+)`/g)].map((b) => b[1]!)];
    return all.map((body) => ({ ...base, headers: json, body }));
  }
  const phrase = /^ with (.+)$/.exec(rest)?.[1];
  if (phrase !== undefined && phrases[phrase] !== undefined)
    return [{ ...phrases[phrase](base), source: cell, expected: base.expected }];
  if (rest !== "") throw new Error(`cannot read the request "${cell}"`);
  return [base];
}

/** `200`, then backquoted parts: a JSON body, `field` `{json}`, `TESSERA_CODE`, `Header`. */
function tableAnswer(cell: string): Expected {
  const status = /^(\d{3})\b/.exec(cell)?.[1];
  if (status === undefined) throw new Error(`the answer "${cell}" gives no status`);
  const parts = [...cell.matchAll(/`([^`]+)`/g)].map((p) => p[1]!);
  const expected: { -readonly [K in keyof Expected]: Expected[K] } = { status: Number(status), headers: [] };
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next = parts[i + 1];
    if (/^[{[]/.test(part)) expected.body = parseDocumented(part);
    else if (/^TESSERA_[A-Z_]+$/.test(part)) expected.code = part;
    else if (/^[A-Z][a-z]+(?:-[A-Z][a-z]+)*$/.test(part)) expected.headers = [...expected.headers, part];
    else if (/^[a-z]\w*$/.test(part) && next !== undefined && /^[{[]/.test(next)) {
      expected.field = { name: part, value: parseDocumented(next) };
      i++;
    }
  }
  return expected;
}

/** The rows of the section's request/answer table; `a · b` cells pair up. */
export function tableRows(text: string): DocumentedRequest[] {
  const lines = text.split("\n").filter((l) => l.startsWith("| "));
  if (!/^\| request\s+\| answer\s+\|$/.test(lines[0] ?? "")) throw new Error("no request | answer table");
  const out: DocumentedRequest[] = [];
  for (const line of lines.slice(2)) {
    const [request, answer] = line
      .slice(1, -1)
      .split(" | ")
      .map((c) => c.trim()) as [string, string];
    const requests = request.split(" · ");
    const answers = requests.length > 1 ? answer.split(" · ") : [answer];
    if (answers.length !== requests.length) throw new Error(`"${line}": as many answers as requests`);
    requests.forEach((part, i) => {
      const expected = tableAnswer(answers[i]!);
      for (const r of tableRequests(part, out.at(-1))) out.push({ ...r, expected });
    });
  }
  return out;
}
