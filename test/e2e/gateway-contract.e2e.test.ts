// Issue 15, finding 1: a gateway node (`tesserae start --services none`) in front of the example's
// service nodes over NATS garbled every answer that carried a status, headers or bytes (an async
// start answered 200 wrapping {body,status,headers} without Location; machinery's 409 and 415
// arrived as 200; diagram.svg was a 500). The example's HTTP contract — the routes of `npm start` —
// runs once through one process and once through a gateway node in front of two service nodes on a
// private nats-server; status, the headers that matter and the bodies must be the same (ids, times
// and durations, which differ from run to run, are masked).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { order } from "../../examples/guide/declared-order.js";
import { PrivateNatsServer } from "../support/nats-server.js";
import { natsServerInstalled } from "../support/servers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const children = new Set<ChildProcess>();

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", LOG_LEVEL: "warn" };
  for (const key of Object.keys(env)) if (/^(PORT|TESSERA_.*)$/.test(key)) delete env[key];
  return env;
}

/** `tesserae start <args>` from source on the example project; resolves with its URL once it listens. */
async function start(args: readonly string[]): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "start",
      "--store",
      "memory",
      "--port",
      "0",
      ...args,
      "--config",
      "examples/text/tesserae.config.ts",
    ],
    { cwd: root, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (output = (output + d).slice(-20_000)));
  child.once("close", () => children.delete(child));
  return vi.waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`tesserae start exited:\n${output}`);
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m === null) throw new Error(`not listening yet:\n${output}`);
      return m[1]!;
    },
    { timeout: 60_000, interval: 50 },
  );
}

interface Step {
  readonly method: string;
  /** `<name>`: a value an earlier answer gave (see `save`). */
  readonly path: string;
  readonly json?: unknown;
  /** A body sent as is, with its content type. */
  readonly raw?: readonly [type: string, body: string];
  /** Names to remember from the JSON answer's keys (`runId` → `<runId>`). */
  readonly save?: Readonly<Record<string, string>>;
  /** Asked again until the answer says this (an answer that depends on work still going on). */
  readonly until?: (body: unknown) => boolean;
}

const upperReverseSpaces = {
  name: "upper_reverse_spaces",
  services: ["upper", "reverse", "spaces"],
  inputs: [{ name: "message", type: "string" }],
  outputs: [
    { name: "message", type: "string" },
    { name: "count", type: "int" },
  ],
};
const hello = { message: "hello world" };
const ended = (b: unknown) => ["completed", "failed"].includes((b as { status?: string })?.status ?? "");

/** The routes of `npm start`, in the README's order: text, flows, accounts, machinery, declared flows, diagrams. */
const contract: Step[] = [
  { method: "POST", path: "/text/upper", json: hello },
  { method: "POST", path: "/text/reverse", json: hello },
  { method: "POST", path: "/text/spaces", json: hello },
  { method: "POST", path: "/pipeline/process", json: hello },
  { method: "POST", path: "/text/upper", json: { message: 5 } },
  { method: "PUT", path: "/text/upper", json: hello },
  { method: "GET", path: "/nope" },
  { method: "POST", path: "/text/upper", raw: ["text/plain", "hello"] },
  { method: "GET", path: "/flows" },
  { method: "POST", path: "/flows/text-pipeline/runs", json: { input: hello }, save: { runId: "runId" } },
  {
    method: "POST",
    path: "/flows/text-pipeline/runs",
    json: { input: hello, mode: "async" },
    save: { asyncRun: "runId" },
  },
  { method: "GET", path: "/flows/runs/<asyncRun>", until: ended },
  { method: "GET", path: "/flows/runs/<runId>" },
  { method: "POST", path: "/flows/runs/<runId>/retry" },
  { method: "GET", path: "/flows/text-pipeline/diagram.svg" },
  { method: "GET", path: "/flows/text-pipeline/diagram.mmd" },
  { method: "GET", path: "/flows/runs/<runId>/diagram.svg" },
  { method: "POST", path: "/accounts", json: { owner: "Ada" }, save: { id: "id" } },
  { method: "POST", path: "/accounts/<id>/deposit", json: { amount: 5 } },
  { method: "POST", path: "/accounts/<id>/withdraw", json: { amount: 8 } },
  { method: "GET", path: "/accounts/<id>", until: (b) => (b as { version?: number })?.version === 2 },
  { method: "GET", path: "/healthcheck" },
  { method: "POST", path: "/w", json: upperReverseSpaces, save: { workflow: "workflow_id" } },
  { method: "POST", path: "/e/<workflow>", json: { message: "the sun will soon rise again !" } },
  { method: "POST", path: "/w", json: { name: "x", services: ["nope"], inputs: [] } },
  { method: "POST", path: "/w", json: { name: "x", services: "upper", inputs: [] } },
  { method: "POST", path: "/e/<workflow>", raw: ["text/plain", "hello"] },
  { method: "POST", path: "/e/<workflow>", json: {} },
  { method: "POST", path: "/e/00000000-0000-4000-8000-000000000000", json: hello },
  {
    method: "POST",
    path: "/s",
    json: {
      name: "shout",
      address: "http://127.0.0.1:9/shout",
      inputs: [{ name: "message", type: "string" }],
      outputs: [{ name: "message", type: "string" }],
    },
  },
  { method: "GET", path: "/declared/services" },
  { method: "POST", path: "/declared/flows", json: order },
  { method: "GET", path: "/declared/flows/order" },
  { method: "POST", path: "/declared/flows/upper_reverse_spaces/events", json: { data: hello } },
  {
    method: "POST",
    path: "/declared/flows/upper_reverse_spaces/events",
    json: { data: hello, mode: "async" },
    save: { eventId: "eventId" },
  },
  { method: "GET", path: "/declared/events/<eventId>", until: ended },
  { method: "GET", path: "/flows/order/diagram.svg" },
  { method: "GET", path: "/flows/upper_reverse_spaces/diagram.svg" },
  { method: "GET", path: "/flows/upper_reverse_spaces/diagram.mmd" },
];

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const iso = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;

/** An answer's text with what differs from run to run masked: ids, times, durations. */
function masked(text: string, saved: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [name, value] of Object.entries(saved)) out = out.split(value).join(`<${name}>`);
  return out
    .replace(uuid, "<uuid>")
    .replace(iso, "<time>")
    .replace(/"(requestId|request_id)":"[^"]*"/g, '"$1":"<id>"')
    .replace(/"(\w*(At|Ms|ms|duration|elapsed|time))":\s*\d+(\.\d+)?/g, '"$1":<n>');
}

/** The headers whose loss garbles an answer. */
const kept = ["content-type", "location", "allow", "cache-control", "retry-after"];

async function run(base: string) {
  const saved: Record<string, string> = {};
  const answers = [];
  for (const step of contract) {
    const path = step.path.replace(/<(\w+)>/g, (_, n: string) => saved[n] ?? `missing-${n}`);
    const ask = async () => {
      const res = await fetch(new URL(path, base), {
        method: step.method,
        ...(step.raw !== undefined
          ? { headers: { "content-type": step.raw[0] }, body: step.raw[1] }
          : step.json !== undefined
            ? { headers: { "content-type": "application/json" }, body: JSON.stringify(step.json) }
            : {}),
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { res, text, body };
    };
    let a = await ask();
    if (step.until !== undefined) {
      const until = step.until;
      a = await vi.waitFor(
        async () => {
          const again = await ask();
          if (!until(again.body)) throw new Error(`${path}: not yet: ${again.text.slice(0, 300)}`);
          return again;
        },
        { timeout: 30_000, interval: 100 },
      );
    }
    for (const [name, key] of Object.entries(step.save ?? {})) {
      const value = (a.body as Record<string, unknown> | undefined)?.[key];
      if (typeof value === "string") saved[name] = value;
    }
    const headers: Record<string, string> = {};
    for (const h of kept) {
      const v = a.res.headers.get(h);
      if (v !== null) headers[h] = masked(v, saved);
    }
    answers.push({
      request: `${step.method} ${step.path}`,
      status: a.res.status,
      headers,
      body: masked(a.text, saved),
    });
  }
  return answers;
}

describe.runIf(await natsServerInstalled())("the example's HTTP contract through a gateway node", () => {
  let broker: PrivateNatsServer;
  beforeAll(async () => {
    broker = await PrivateNatsServer.start();
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await broker?.dispose();
  });

  it("answers through a --services none node over NATS exactly as one process does (status, Location/Allow/content-type, bodies, SVG bytes)", {
    timeout: 300_000,
  }, async () => {
    const single = await start([]);
    const [, , gateway] = await Promise.all([
      start(["--transport", broker.url, "--services", "text,pipeline"]),
      start(["--transport", broker.url, "--services", "flows,declared-flows,machinery,diagrams,accounts"]),
      start(["--transport", broker.url, "--services", "none"]),
    ]);
    // The gateway routes once discovery has told it where every service runs.
    await vi.waitFor(
      async () => {
        const topology = (await (await fetch(`${gateway}/registry`)).json()) as { nodes: unknown[] };
        expect(topology.nodes).toHaveLength(2);
      },
      { timeout: 20_000, interval: 100 },
    );
    const expected = await run(single);
    const got = await run(gateway);

    // The findings themselves, so that a failure names them.
    const at = (request: string) => expected.findIndex((a) => a.request === request);
    const asyncStart = at("POST /flows/text-pipeline/runs") + 1;
    expect(expected[asyncStart]).toMatchObject({ status: 202, headers: { location: expect.any(String) } });
    expect(got[asyncStart]).toMatchObject({ status: 202, headers: { location: expect.any(String) } });
    const svg = at("GET /flows/text-pipeline/diagram.svg");
    expect(got[svg]).toMatchObject({
      status: 200,
      headers: { "content-type": expect.stringContaining("svg") },
    });
    const differing = expected.flatMap((a, i) =>
      JSON.stringify(got[i]) === JSON.stringify(a) ? [] : [{ expected: a, got: got[i] }],
    );
    expect(differing).toEqual([]);
  });
});
