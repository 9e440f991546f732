// The two Lambda functions compared, built as a user would build them: Tesserae's example system with
// `tesserae build --target lambda` (service text), and Fastify with @fastify/aws-lambda serving the
// same route (POST /text/upper, body and answer checked by JSON schemas), bundled by esbuild with the
// same settings (ESM, Node 20, minified).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadProject } from "../../src/config/load-project.js";
import { buildLambdas } from "../../src/deploy/lambda-build.js";

// This file runs from bench/lib (tsx) or compiled from bench/.build/bench/lib: the repository is what
// comes before the first /bench/.
const here = fileURLToPath(import.meta.url);
const sourceRoot = here.slice(0, here.indexOf("/bench/") + 1);
const benchDir = `${sourceRoot}bench/`;
// The functions of this process, outside bench/.build (which another run of the bench may wipe).
export const workDir = mkdtempSync(join(tmpdir(), "tesserae-bench-lambda-"));
process.once("exit", () => rmSync(workDir, { recursive: true, force: true }));
const outDir = `${workDir}/`;

/** An HTTP API (v2) event as API Gateway sends it: POST /text/upper. */
export function upperEvent(message: unknown = "hello world") {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/text/upper",
    rawQueryString: "",
    headers: {
      "content-type": "application/json",
      host: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
      "user-agent": "curl/8.5.0",
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "a1b2c3d4e5",
      domainName: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
      http: {
        method: "POST",
        path: "/text/upper",
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "curl/8.5.0",
      },
      requestId: "JKJaXmPLvHcESHA=",
      routeKey: "$default",
      stage: "$default",
      time: "09/Apr/2025:12:34:56 +0000",
      timeEpoch: 1744202096000,
    },
    body: JSON.stringify({ message }),
    isBase64Encoded: false,
  };
}

export const EXPECTED_BODY = JSON.stringify({ message: "HELLO WORLD" });

/** `tesserae build --target lambda` of examples/text (service text): the path of its index.mjs. */
export async function oursFunction(): Promise<string> {
  // As the CLI does: the project loaded (its file imports the sources, through tsx), then built.
  const project = await loadProject({ cwd: `${sourceRoot}examples/text`, processEnv: { ...process.env } });
  const [artifact] = await buildLambdas(
    project,
    // The runtime from the sources, as the project file imports them (one copy of Tesserae in the bundle).
    { outDir: `${outDir}tesserae`, services: ["text"], runtime: `${sourceRoot}src/deploy/lambda-runtime.ts` },
  );
  return artifact!.bundle;
}

const fastifyEntry = `
import Fastify from "fastify";
import awsLambdaFastify from "@fastify/aws-lambda";

const Message = { type: "object", required: ["message"], properties: { message: { type: "string" } } };
const app = Fastify({ logger: false });
app.post("/text/upper", { schema: { body: Message, response: { 200: Message } } }, async (request) => ({
  message: request.body.message.toUpperCase(),
}));
export const handler = awsLambdaFastify(app);
// As @fastify/aws-lambda's README advises: initialise during the function's init phase.
await app.ready();
`;

/** Fastify 5 + @fastify/aws-lambda serving the same route, bundled alike: the path of its index.mjs. */
export async function fastifyFunction(): Promise<string> {
  const dir = `${outDir}fastify/`;
  const esbuild = await import("esbuild");
  await esbuild.build({
    // Resolved from bench/, where the peers are installed.
    stdin: {
      contents: fastifyEntry,
      resolveDir: benchDir,
      sourcefile: "fastify-lambda-entry.mjs",
      loader: "js",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: `${dir}index.mjs`,
    minify: true,
    legalComments: "none",
    banner: {
      js: 'import { createRequire as __r } from "node:module"; const require = __r(import.meta.url);',
    },
    logLevel: "silent",
  });
  return `${dir}index.mjs`;
}
