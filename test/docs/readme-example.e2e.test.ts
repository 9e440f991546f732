// The README's "The example system" section, request by request, against `npm start` of this
// repository in a child process: every curl line of its sh block and every row of its table,
// each answer compared with what the README shows (`…`: any value there; see support/). A changed
// answer, in the code or in the README, fails here. The store goes to a temporary folder.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { order } from "../../examples/guide/declared-order.js";
import { mismatches } from "./support/documented-json.js";
import {
  commentAnswer,
  curlRequests,
  type DocumentedRequest,
  section,
  tableRows,
} from "./support/readme-requests.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");
const example = section(readme, "The example system");
const curls = curlRequests(example);
const rows = tableRows(example);
const tmp = mkdtempSync(join(tmpdir(), "tesserae-readme-example-"));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let child: ChildProcess;
let base: string;
let output = "";

beforeAll(async () => {
  const port = await freePort();
  child = spawn("npm", ["start", "--silent"], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      TESSERA_STORE: `sqlite:${join(tmp, "dev.db")}`,
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, for the SIGKILL of last resort
  });
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (output = (output + c).slice(-8000)));
  base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not serve:\n${output}`)), 30_000);
    child.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      output += c;
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve(url);
      }
    });
  });
}, 40_000);

afterAll(async () => {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(tmp, { recursive: true, force: true });
}, 15_000);

/** `<runId>` and `<id>` in a path: the latest value an answer gave. */
const latest: Record<string, string> = {};

async function check(request: DocumentedRequest): Promise<string[]> {
  const path = request.path.replace(/<(\w+)>/g, (_, name: string) => {
    const value = latest[name];
    if (value === undefined) throw new Error(`no answer before gave a ${name}`);
    return value;
  });
  const res = await fetch(new URL(path, base), {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const text = await res.text();
  const body: unknown = res.headers.get("content-type")?.startsWith("application/json")
    ? JSON.parse(text)
    : text;
  if (typeof body === "object" && body !== null) {
    for (const name of ["runId", "id"]) {
      const value = (body as Record<string, unknown>)[name];
      if (typeof value === "string") latest[name] = value;
    }
  }
  const { status, body: documented, field, code, headers } = request.expected;
  const problems: string[] = [];
  if (status === undefined ? res.status >= 300 : res.status !== status)
    problems.push(`status ${res.status}, the README shows ${status ?? "2xx"}`);
  if (documented !== undefined) problems.push(...mismatches(documented, body));
  if (field !== undefined)
    problems.push(
      ...mismatches(field.value, (body as Record<string, unknown>)?.[field.name], `$.${field.name}`),
    );
  const actualCode = (body as { error?: { code?: unknown } })?.error?.code;
  if (code !== undefined && actualCode !== code)
    problems.push(`error.code ${String(actualCode)}, the README shows ${code}`);
  for (const h of headers) if (!res.headers.has(h)) problems.push(`no ${h} header`);
  return problems.length === 0 ? [] : [...problems, `answer: ${text.slice(0, 500)}`];
}

describe("README: the example system", () => {
  it("has curl lines and table rows to check", () => {
    expect(curls.length).toBeGreaterThanOrEqual(5);
    expect(rows.length).toBeGreaterThanOrEqual(14);
  });

  // In the README's order: a row may use the run or account an earlier answer created.
  for (const request of [...curls, ...rows]) {
    it(`${request.source.slice(0, 110)}`, async () => {
      expect(await check(request)).toEqual([]);
    });
  }
});

describe("README: Diagrams, on the same example", () => {
  // `flows show order` needs the order flow POSTed first; the section gives that step and its answer.
  it("takes the order definition as documented, then draws it", async () => {
    const diagrams = readme.slice(readme.indexOf("\n### Diagrams\n"));
    const documented = /declared\/flows[^\n]*\n# (.*)/.exec(diagrams)?.[1];
    expect(documented).toBeDefined();
    const res = await fetch(new URL("/declared/flows", base), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(order),
    });
    const { status, body } = commentAnswer(documented!);
    expect(res.status).toBe(status);
    expect(mismatches(body, await res.json())).toEqual([]);
    const diagram = await fetch(new URL("/flows/order/diagram.mmd", base));
    expect([diagram.status, (await diagram.text()).split("\n")[0]]).toEqual([200, "flowchart TD"]);
  });
});
