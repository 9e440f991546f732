// The built functions, unzipped outside the repository (no node_modules to lean on) and loaded in
// fresh node processes, answer real-shaped events.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceDef } from "../../../src/core/service.js";
import { buildLambdas, type LambdaArtifact } from "../../../src/deploy/lambda-build.js";
import {
  albEvent,
  methodArn,
  requestAuthorizerEvent,
  tokenAuthorizerEvent,
  v1Event,
  v2Event,
} from "./fixtures/events.js";
import { readZip } from "./fixtures/read-zip.js";
import { logo } from "./fixtures/services.js";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "tesserae-lambda-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  readonly result?: { statusCode?: number; body?: string; isBase64Encoded?: boolean; [k: string]: unknown };
  readonly thrown?: string;
}

/** Unzips a function into its own folder outside the repository and returns its index.mjs. */
function unpack(artifact: LambdaArtifact): string {
  const dir = join(tmp, "run", artifact.service);
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of readZip(readFileSync(artifact.zip))) writeFileSync(join(dir, name), data);
  return join(dir, "index.mjs");
}

function invoke(bundle: string, events: unknown[], env: Record<string, string> = {}): Promise<Outcome[]> {
  const child = spawn(process.execPath, [here("./fixtures/invoke-bundle.mjs"), bundle], {
    cwd: tmp,
    env: { PATH: process.env.PATH, LOG_LEVEL: "warn", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
  child.stdin.end(JSON.stringify(events));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`the function exited ${code}:\n${err}`));
      else resolve(JSON.parse(out) as Outcome[]);
    });
  });
}

const body = (o: Outcome | undefined) => JSON.parse(o?.result?.body ?? "null");
const json = { "content-type": "application/json" };
const hello = JSON.stringify({ message: "hello world" });

let fixture: Record<string, LambdaArtifact>;
let example: LambdaArtifact;

beforeAll(async () => {
  const load = async (file: string) => {
    const { default: config } = (await import(file)) as { default: { services: ServiceDef[] } };
    return { root: join(file, ".."), configFile: file, services: config.services };
  };
  const fixtureProject = await load(here("./fixtures/tesserae.config.ts"));
  const exampleProject = await load(here("../../../examples/text/tesserae.config.ts"));
  const [built, [text]] = await Promise.all([
    buildLambdas(fixtureProject, { outDir: join(tmp, "fixture") }),
    buildLambdas(exampleProject, { outDir: join(tmp, "example"), services: ["text"] }),
  ]);
  fixture = Object.fromEntries(built.map((a) => [a.service, a]));
  example = text!;
}, 60_000);

describe("tesserae build --target lambda: the functions", () => {
  it("one bundle per service in <out>/<service>/index.mjs with its zip beside it", () => {
    expect(Object.keys(fixture).sort()).toEqual(["pipeline", "text", "vault"]);
    const vault = fixture.vault!;
    expect(vault.bundle).toBe(join(tmp, "fixture", "vault", "index.mjs"));
    expect(vault.zip).toBe(join(tmp, "fixture", "vault", "vault.zip"));
    expect([...readZip(readFileSync(vault.zip)).keys()]).toEqual(["index.mjs"]);
    expect(vault.zipBytes).toBeLessThan(vault.bytes);
    // Only what the project imports: no CLI, no tsx, no NATS, no PostgreSQL driver, no zod locale (German here).
    const code = readFileSync(vault.bundle, "utf8");
    for (const absent of ["@nats-io", "tsx/", "pg-pool", "TESSERA_TRANSPORT", "erwartet"])
      expect(code).not.toContain(absent);
    expect(vault.bytes).toBeLessThan(400_000);
  });

  it("the example system answers an HTTP API (v2) event from a fresh process", async () => {
    const [upper, pipeline] = await invoke(unpack(example), [
      v2Event({ method: "POST", path: "/text/upper", headers: json, body: hello }),
      v2Event({ method: "POST", path: "/pipeline/process", headers: json, body: hello }),
    ]);
    expect(upper?.result).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(body(upper)).toEqual({ message: "HELLO WORLD" });
    expect(body(pipeline)).toEqual({ message: "DLROW OLLEH", count: 1 });
  });

  it("the example system answers REST API (v1) and ALB events from a fresh process", async () => {
    const [upper, pipeline, reverse, spaces, invalid, put, missing] = await invoke(unpack(example), [
      v1Event({ method: "POST", path: "/text/upper", headers: json, body: hello }),
      v1Event({ method: "POST", path: "/pipeline/process", headers: json, body: hello, base64: true }),
      albEvent({ method: "POST", path: "/text/reverse", headers: json, body: hello }),
      albEvent({ method: "POST", path: "/text/spaces", headers: json, body: hello }, true),
      v1Event({ method: "POST", path: "/text/upper", headers: json, body: '{"message":5}' }),
      albEvent({ method: "PUT", path: "/text/upper", headers: json, body: hello }),
      v1Event({ method: "GET", path: "/nope" }),
    ]);
    expect(upper?.result).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(body(upper)).toEqual({ message: "HELLO WORLD" });
    // API Gateway's request id becomes the x-request-id.
    expect(upper?.result?.headers).toMatchObject({ "x-request-id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" });
    expect(body(pipeline)).toEqual({ message: "DLROW OLLEH", count: 1 });
    expect(reverse?.result).toMatchObject({ statusCode: 200, statusDescription: "200 OK" });
    expect(body(reverse)).toEqual({ message: "dlrow olleh" });
    expect(spaces?.result).toMatchObject({
      statusCode: 200,
      multiValueHeaders: { "content-type": [expect.any(String)] },
    });
    expect(body(spaces)).toEqual({ count: 1 });
    expect(invalid?.result?.statusCode).toBe(400);
    expect(body(invalid).error).toMatchObject({
      code: "TESSERA_VALIDATION",
      details: { issues: [{ path: "message" }] },
    });
    expect(put?.result).toMatchObject({
      statusCode: 405,
      statusDescription: "405 Method Not Allowed",
      headers: { allow: "OPTIONS, POST" },
    });
    expect(body(put).error.code).toBe("TESSERA_METHOD_NOT_ALLOWED");
    expect(missing?.result?.statusCode).toBe(404);
    expect(body(missing).error.code).toBe("TESSERA_NOT_FOUND");
  });

  it("the example system runs async invocations into TESSERA_RESULTS_DIR, failures stored too", async () => {
    const dir = join(tmp, "example-results");
    const job = (key: string, message: unknown) => ({
      tessera: "async",
      key,
      request: { method: "POST", path: "/pipeline/process", body: { message } },
    });
    const [done, failed, read, unknown] = await invoke(
      unpack(example),
      [
        job("jobs/ok.json", "hello world"),
        job("jobs/bad.json", 5),
        { tessera: "result", key: "jobs/ok.json" },
        { tessera: "result", key: "jobs/never.json" },
      ],
      { TESSERA_RESULTS_DIR: dir },
    );
    expect(done?.result).toMatchObject({
      key: "jobs/ok.json",
      status: 200,
      body: '{"message":"DLROW OLLEH","count":1}',
      isBase64Encoded: false,
    });
    expect(JSON.parse(readFileSync(join(dir, "jobs", "ok.json"), "utf8"))).toEqual(done?.result);
    expect(failed?.result).toMatchObject({ key: "jobs/bad.json", status: 400 });
    expect(JSON.parse(String(failed?.result?.body)).error.code).toBe("TESSERA_VALIDATION");
    expect(JSON.parse(readFileSync(join(dir, "jobs", "bad.json"), "utf8")).status).toBe(400);
    expect(read?.result).toEqual(done?.result);
    expect(unknown?.result).toMatchObject({ error: { code: "TESSERA_NOT_FOUND" } });
  });

  it("the example system answers bad events with a clear 400 and keeps serving", async () => {
    const dir = join(tmp, "bad-results");
    const v1 = v1Event({ method: "POST", path: "/text/upper", headers: json, body: hello });
    const alb = albEvent({ method: "POST", path: "/text/upper", headers: json, body: hello });
    const outcomes = await invoke(
      unpack(example),
      [
        { hello: "world" },
        { ...v2Event({ method: "GET", path: "/text/upper" }), version: "3.0" },
        { ...v1, httpMethod: "" },
        { ...alb, path: "text/upper" },
        { ...v1, body: 42 },
        { tessera: "later" },
        { tessera: "async", key: "jobs/x.json", request: "POST /text/upper" },
        { tessera: "async", key: "../escape.json", request: { method: "POST", path: "/text/upper" } },
        v1,
      ],
      { TESSERA_RESULTS_DIR: dir },
    );
    const messages = outcomes.slice(0, 6).map((o) => {
      expect(o.result?.statusCode).toBe(400);
      expect(body(o).error.code).toBe("TESSERA_BAD_REQUEST");
      return body(o).error.message as string;
    });
    expect(messages[0]).toMatch(/unrecognised event \(keys: hello\)/);
    expect(messages[1]).toMatch(/unsupported payload format version "3.0"/);
    expect(messages[2]).toMatch(/invalid API Gateway v1 event: httpMethod must be a non-empty string/);
    expect(messages[3]).toMatch(/invalid ALB event: path must start with "\/"/);
    expect(messages[4]).toMatch(/invalid API Gateway v1 event: body must be a string or null/);
    expect(messages[5]).toMatch(/unknown Tesserae event "later": expected "async" or "result"/);
    // A malformed request under a good key is answered, and stored, as the 400 it is.
    expect(outcomes[6]?.result).toMatchObject({ key: "jobs/x.json", status: 400 });
    expect(JSON.parse(String(outcomes[6]?.result?.body)).error).toMatchObject({
      code: "TESSERA_BAD_REQUEST",
      message: "invalid async event: `request` must be an object",
    });
    expect(existsSync(join(dir, "jobs", "x.json"))).toBe(true);
    // A bad key stores nothing, anywhere.
    expect(outcomes[7]?.result).toMatchObject({ error: { code: "TESSERA_BAD_REQUEST" } });
    expect(existsSync(join(tmp, "escape.json"))).toBe(false);
    expect(body(outcomes[8])).toEqual({ message: "HELLO WORLD" });
  });

  it("answers v1, v2 and ALB events, bytes in base64, in the stage of TESSERA_STAGE", async () => {
    const events = [
      v1Event({ method: "POST", path: "/text/upper", headers: json, body: hello, base64: true }),
      v2Event({ method: "POST", path: "/pipeline/process", stage: "prod", headers: json, body: hello }),
      albEvent({ method: "POST", path: "/text/reverse", headers: json, body: hello }, true),
      v2Event({ method: "GET", path: "/vault/logo" }),
      v2Event({ method: "GET", path: "/vault/debug" }),
      v2Event({ method: "POST", path: "/text/upper", headers: json, body: '{"message":5}' }),
    ];
    const [v1, v2, alb, bytes, debug, invalid] = await invoke(unpack(fixture.vault!), events, {
      TESSERA_STAGE: "prod",
    });
    expect(body(v1)).toEqual({ message: "HELLO WORLD" });
    expect(body(v2)).toEqual({ message: "DLROW OLLEH", count: 1 });
    expect(alb?.result).toMatchObject({ statusCode: 200, statusDescription: "200 OK" });
    expect(alb?.result?.multiValueHeaders).toBeDefined();
    expect(body(alb)).toEqual({ message: "dlrow olleh" });
    expect(bytes?.result?.isBase64Encoded).toBe(true);
    expect(new Uint8Array(Buffer.from(bytes?.result?.body ?? "", "base64"))).toEqual(logo);
    expect(debug?.result?.statusCode).toBe(404);
    expect(invalid?.result?.statusCode).toBe(400);
    expect(body(invalid).error.code).toBe("TESSERA_VALIDATION");
  });

  it("doubles as the API Gateway authorizer (TOKEN and REQUEST), and trusts its context behind it", async () => {
    const [allow, deny, unauthorized, request] = await invoke(unpack(fixture.vault!), [
      tokenAuthorizerEvent("Bearer admin-token", "GET", "/vault/secret/db"),
      tokenAuthorizerEvent("Bearer reader-token", "PUT", "/vault/secret/db"),
      tokenAuthorizerEvent("Bearer nope", "GET", "/vault/secret/db"),
      requestAuthorizerEvent("GET", "/vault/secret/db", { Authorization: "Bearer reader-token" }),
    ]);
    expect(allow?.result).toMatchObject({
      principalId: "ada",
      policyDocument: { Statement: [{ Effect: "Allow", Resource: methodArn("GET", "/vault/secret/db") }] },
      context: { sub: "ada", role: "admin" },
    });
    expect(deny?.result).toMatchObject({ policyDocument: { Statement: [{ Effect: "Deny" }] } });
    expect(unauthorized?.thrown).toBe("Unauthorized");
    expect(request?.result).toMatchObject({ principalId: "bob" });
    const context = (allow?.result?.context ?? {}) as Record<string, unknown>;
    const authorizer = Object.fromEntries(Object.entries(context).map(([k, v]) => [k, String(v)]));
    const [secret] = await invoke(unpack(fixture.vault!), [
      v1Event({ method: "GET", path: "/vault/secret/db", authorizer }),
    ]);
    expect(body(secret)).toEqual({ name: "db", owner: "ada", role: "admin" });
  });

  it("runs async invocations into the result store of TESSERA_RESULTS_DIR, read back by a result event", async () => {
    const dir = join(tmp, "results");
    const [stored, again, read] = await invoke(
      unpack(fixture.text!),
      [
        {
          tessera: "async",
          key: "jobs/42.json",
          request: { method: "POST", path: "/text/upper", body: { message: "later" } },
        },
        {
          tessera: "async",
          key: "jobs/42.json",
          request: { method: "POST", path: "/text/upper", body: { message: "twice" } },
        },
        { tessera: "result", key: "jobs/42.json" },
      ],
      { TESSERA_RESULTS_DIR: dir },
    );
    expect(stored?.result).toMatchObject({ key: "jobs/42.json", status: 200 });
    expect(JSON.parse(readFileSync(join(dir, "jobs", "42.json"), "utf8")).body).toBe('{"message":"LATER"}');
    expect(again?.result).toEqual(stored?.result);
    expect(read?.result).toEqual(stored?.result);
  });

  it("answers bad events with a clear 400 and keeps serving", async () => {
    const v2 = v2Event({ method: "GET", path: "/text/upper" });
    const outcomes = await invoke(unpack(fixture.text!), [
      {},
      { ...v2, version: "3.0" },
      { ...v2, requestContext: {} },
      { ...v1Event({ method: "GET", path: "/x" }), httpMethod: 42 },
      { tessera: "async", key: "../../etc/passwd", request: { method: "GET", path: "/" } },
      v2Event({ method: "POST", path: "/text/upper", headers: json, body: hello }),
    ]);
    const messages = outcomes.slice(0, 4).map((o) => {
      expect(o.result?.statusCode).toBe(400);
      return body(o).error.message as string;
    });
    expect(messages[0]).toMatch(/unrecognised event \(keys: none\)/);
    expect(messages[1]).toMatch(/unsupported payload format version "3.0"/);
    expect(messages[2]).toMatch(/requestContext.http must be an object/);
    expect(messages[3]).toMatch(/httpMethod must be a non-empty string/);
    expect(outcomes[4]?.result).toMatchObject({ error: { code: "TESSERA_BAD_REQUEST" } });
    expect(body(outcomes[5])).toEqual({ message: "HELLO WORLD" });
  });
});
