// `npm start` as a newcomer runs it (npm, then package.json's start script), in a child process,
// checked over real HTTP: the example system's contract (issue 2), the banner that tells how to call
// it, and a graceful SIGTERM. Its store goes to a temporary folder: the repository's .tesserae/ is left alone.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "tesserae-npm-start-"));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { start: string } };
const json = { "content-type": "application/json" };
const hello = JSON.stringify({ message: "hello world" });

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let child: ChildProcess;
let port: number;
let url: string;
let stdout = "";
let stderr = "";
let exit: Promise<[number | null, NodeJS.Signals | null]>;

beforeAll(async () => {
  // `npm start` itself, as a newcomer runs it: npm hands a SIGTERM to the script's shell, and the
  // script execs the CLI so that the signal reaches the server (a shell in between dropped it).
  expect(pkg.scripts.start).toMatch(/^exec /);
  port = await freePort();
  child = spawn("npm", ["start", "--silent"], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      TESSERA_STORE: `sqlite:${join(tmp, "dev.db")}`,
      LOG_LEVEL: "info",
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: if a test fails, afterAll kills npm, tsx and the node it started.
    detached: true,
  });
  exit = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const out = child.stdout!.setEncoding("utf8");
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start did not serve:\n${stdout}\n${stderr}`)),
      30_000,
    );
    child.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${stdout}\n${stderr}`)));
    out.on("data", (c: string) => {
      stdout += c;
      // The banner is written in one piece: wait for its end before reading it.
      const m = /listening on (http:\/\/\S+)[\s\S]*\/openapi\.json\n/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
}, 40_000);

afterAll(() => {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    process.kill(-child.pid, "SIGKILL");
  }
  rmSync(tmp, { recursive: true, force: true });
});

const post = (path: string, body: string, headers: Record<string, string> = json) =>
  fetch(`${url}${path}`, { method: "POST", headers, body });

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; details?: { issues?: { path: string }[] } } }).error;
}

describe("npm start", () => {
  it("serves on PORT, with its store where TESSERA_STORE says", () => {
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(stdout).toContain(`store sqlite:${join(tmp, "dev.db")}`);
    expect(existsSync(join(tmp, "dev.db"))).toBe(true);
  });

  it("prints how to call it, and the printed calls work", async () => {
    expect(stdout).toMatch(/POST\s+\/pipeline\/process\s+pipeline\.process/);
    const calls = [
      ...stdout.matchAll(/curl -s -X POST (\S+) -H 'content-type: application\/json' -d '(.*)'/g),
    ];
    expect(calls.map((c) => c[1])).toEqual([
      `${url}/text/upper`,
      `${url}/text/reverse`,
      `${url}/text/spaces`,
    ]);
    for (const [, target, body] of calls) {
      const res = await fetch(target!, { method: "POST", headers: json, body: body! });
      expect(res.status).toBe(200);
    }
    expect(stdout).toContain(`curl -s ${url}/openapi.json`);
  });

  it.each([
    ["/text/upper", { message: "HELLO WORLD" }],
    ["/text/reverse", { message: "dlrow olleh" }],
    ["/text/spaces", { count: 1 }],
    ["/pipeline/process", { message: "DLROW OLLEH", count: 1 }],
  ])("POST %s", async (path, expected) => {
    const res = await post(path, hello);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(expected);
  });

  it.each([["{}"], ['{"message":5}']])("POST /text/upper with %s → 400 naming message", async (body) => {
    const res = await post("/text/upper", body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("TESSERA_VALIDATION");
    expect(error.details?.issues?.map((i) => i.path)).toEqual(["message"]);
  });

  it("PUT /text/upper → 405 with Allow", async () => {
    const res = await fetch(`${url}/text/upper`, { method: "PUT", headers: json, body: hello });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("OPTIONS, POST");
    expect((await errorOf(res)).code).toBe("TESSERA_METHOD_NOT_ALLOWED");
  });

  it("GET /nope → 404", async () => {
    const res = await fetch(`${url}/nope`);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("TESSERA_NOT_FOUND");
  });

  it("a text/plain body → 415", async () => {
    const res = await post("/text/upper", "hello world", { "content-type": "text/plain" });
    expect(res.status).toBe(415);
    expect((await errorOf(res)).code).toBe("TESSERA_UNSUPPORTED_MEDIA_TYPE");
  });

  it("a 2 MiB body → 413, and it keeps serving", async () => {
    const res = await post("/text/upper", JSON.stringify({ message: "a".repeat(2 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("TESSERA_PAYLOAD_TOO_LARGE");
    expect(await (await post("/text/upper", '{"message":"ok"}')).json()).toEqual({ message: "OK" });
  });

  it("SIGTERM stops it gracefully with exit code 0", async () => {
    child.kill("SIGTERM");
    const [code, signal] = await exit;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stderr).toContain("stopping: SIGTERM");
    expect(stderr).toContain("node stopped");
    await expect(fetch(`${url}/text/upper`)).rejects.toThrow();
  });
});
