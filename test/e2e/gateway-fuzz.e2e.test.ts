// Issue 19, crash suite: a gateway fuzz. The example system's node (`npm start`'s command on a
// temporary SQLite store, its request deadline set to 5 s by fixtures/fuzz.config.ts) takes at
// least 10,000 property-generated requests (fixtures/fuzz-requests.ts) over HTTP, a dozen at a
// time: every route of the example (text, flows, declared flows and machinery, diagrams, accounts,
// the built-in ones) with known ids and junk, junk paths, odd methods, content types, duplicated,
// huge and prototype-named headers, bodies with prototype-named keys, huge numbers, deep nesting,
// invalid UTF-8, truncated JSON. It fails on any 5xx, any request left without an answer (a hang),
// any stack trace, internal path or raw JavaScript error in an answer, and a node that dies.
// The one 5xx of a documented contract is let through: machinery's 502 for a run that failed.
// FUZZ_RUNS (default 10,000), FUZZ_SEED and FUZZ_CONCURRENCY (default 12) change the run.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, METHODS } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { order } from "../../examples/guide/declared-order.js";
import { KnownIds, type Outcome, send } from "./fixtures/fuzz-client.js";
import { type FuzzRequest, fuzzRequest } from "./fixtures/fuzz-requests.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const runs = Number(process.env.FUZZ_RUNS ?? 10_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 12);
/** fixtures/fuzz.config.ts's requestTimeout. */
const deadlineMs = 5000;
/** No answer by then is a hang: the deadline plus room for a loaded 2-core machine. */
const hangMs = deadlineMs + 10_000;

/** What an answer must never show: a stack frame, a path of the code, a raw JavaScript error. */
const leaks: readonly RegExp[] = [
  /\n\s*at [^\n]*:\d+:\d+/,
  /\bat (async )?[\w.$<>[\]]+ \([^)]*:\d+:\d+\)/,
  /node:internal/,
  /file:\/\//,
  new RegExp(root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
  /\bsrc\/[\w/.-]+\.[jt]s\b/,
  /node_modules/,
  /\b(TypeError|ReferenceError|RangeError|EvalError|URIError|InternalError)\b/,
  /Cannot read propert|is not a function|is not defined|is not iterable|Maximum call stack/,
];

/** machinery's documented answer for a run that failed (README, the machinery contract). */
function machineryFailedRun(o: Outcome): boolean {
  if (o.status !== 502 || o.sent.method !== "POST" || !o.sent.path.startsWith("/e/")) return false;
  try {
    const b = JSON.parse(o.body) as Record<string, unknown>;
    return typeof b.message === "string" && typeof b.event_id === "string" && typeof b.status === "string";
  } catch {
    return false;
  }
}

/** Node's limit of a request's line and headers (`--max-http-header-size`, 16 KiB). */
const maxHeadBytes = 16 * 1024;

/**
 * Whether Node's HTTP parser takes the request's head. Else it answers 400 or 431 and closes the
 * connection at once, and a client still sending its body may see the connection reset before it
 * has read the answer: a method it does not know, a path of other than visible ASCII, a head over
 * its limit.
 */
const nodeReadsHead = (o: Outcome) =>
  METHODS.includes(o.sent.method) && /^[\x21-\x7e]*$/.test(o.sent.path) && o.sent.headBytes < maxHeadBytes;

/**
 * Why an outcome fails the fuzz, or undefined. A connection closed without an answer is a fault
 * unless Node's parser refused the head, or the body is short of its content-length (the issue's
 * bound: 408, or the connection closed, at the deadline).
 */
function fault(o: Outcome, r: FuzzRequest): string | undefined {
  if (o.status === -1) return `hang: ${o.error}`;
  if (o.status === 0 && nodeReadsHead(o) && r.framing !== "short")
    return `closed without an answer (${o.error})`;
  if (o.status >= 500 && !machineryFailedRun(o)) return `${o.status}`;
  const leak = leaks.find((re) => re.test(o.body) && !re.test(o.sent.text));
  if (leak !== undefined) return `leak ${leak}`;
  return undefined;
}

/** A request and its answer, shortened for a failure message. */
function explain(o: Outcome, r: FuzzRequest, why: string): string {
  const short = (s: string) => {
    const runs = s.replace(/(.)\1{19,}/gs, (run, c: string) => `${c}×${run.length}`);
    return JSON.stringify(runs.length > 800 ? `${runs.slice(0, 800)}…` : runs);
  };
  return `${why} after ${Math.round(o.ms)} ms (${r.framing} ${r.kind}): ${short(o.sent.text)}\n  → ${o.status} ${o.error ?? ""} ${short(o.body)}`;
}

describe("gateway fuzz: the example system's node under property-generated requests", () => {
  let child: ChildProcess | undefined;
  let output = "";
  let base: URL;
  const dir = mkdtempSync(join(tmpdir(), "tesserae-fuzz-"));
  const ids = new KnownIds();

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", LOG_LEVEL: "error" };
    for (const key of Object.keys(env)) if (/^(PORT|TESSERA_.*)$/.test(key)) delete env[key];
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/cli/main.ts",
        "start",
        "--config",
        "test/e2e/fixtures/fuzz.config.ts",
        "--store",
        `sqlite:${join(dir, "dev.db")}`,
        "--port",
        "0",
      ],
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (output = (output + d).slice(-50_000)));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (output = (output + d).slice(-50_000)));
    base = new URL(
      await vi.waitFor(
        () => {
          if (child!.exitCode !== null) throw new Error(`tesserae start exited:\n${output}`);
          const m = /listening on (http:\/\/\S+)/.exec(output);
          if (m === null) throw new Error(`not listening yet:\n${output}`);
          return m[1]!;
        },
        { timeout: 60_000, interval: 50 },
      ),
    );
    // Ids to aim at: runs (one completed, one compensated), an account, machinery's workflow, a
    // declared flow whose events wait for a signal, one such event, a registered service.
    const post = async (path: string, body: unknown, learn = true) => {
      const res = await fetch(new URL(path, base), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`seeding ${path}: ${res.status} ${text}`);
      if (learn) ids.learn(path, text);
      return JSON.parse(text) as Record<string, unknown>;
    };
    await post("/flows/text-pipeline/runs", { input: { message: "seed" } });
    await post("/flows/book-trip/runs", { input: { traveller: "Ada", failAt: "car" } });
    await post("/accounts", { owner: "Ada" });
    const service = { name: "shout", address: "http://127.0.0.1:9/shout", inputs: [], outputs: [] };
    await post("/s", service);
    ids.add("service", "shout");
    await post("/w", {
      name: "urs",
      services: ["upper", "reverse", "spaces"],
      inputs: [{ name: "message", type: "string" }],
    });
    // Not among the ids to delete (DELETE /declared/flows/{declared} takes the fuzz's own).
    await post("/declared/flows", order, false);
    await post("/declared/flows/order/events", { data: { message: "seed" }, mode: "async" });
  }, 90_000);

  afterAll(() => {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${runs} requests with no 5xx, no hang, no stack trace`, { timeout: 600_000 }, async () => {
    const requests = fc.sample(fuzzRequest, { numRuns: runs, seed });
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    const outcomes: [Outcome, FuzzRequest][] = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests.length) {
          const r = requests[next++]!;
          const o = await send(base, r, ids, agent, hangMs);
          if (o.status >= 200 && o.status < 300) ids.learn(o.sent.path, o.body);
          outcomes.push([o, r]);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    agent.destroy();

    const byStatus = new Map<number, number>();
    for (const [o] of outcomes) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
    const statuses = [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s === 0 ? "closed" : s === -2 ? "not sent" : s}: ${n}`);
    const slowest = Math.max(...outcomes.map(([o]) => o.ms));
    console.log(
      `gateway fuzz: ${outcomes.length} requests in ${seconds.toFixed(1)} s (${(outcomes.length / seconds).toFixed(0)}/s, ` +
        `${concurrency} at a time, seed ${seed}, slowest ${Math.round(slowest)} ms); statuses ${statuses.join(", ")}`,
    );

    const faults = outcomes.flatMap(([o, r]) => {
      const why = fault(o, r);
      return why === undefined ? [] : [explain(o, r, why)];
    });
    expect(
      faults.slice(0, 10),
      `${faults.length} faults (FUZZ_SEED=${seed}):\n${output.slice(-3000)}`,
    ).toEqual([]);
    expect(outcomes.length).toBe(runs);
    // The node is still up and serving.
    expect(child!.exitCode, output.slice(-3000)).toBeNull();
    expect((await fetch(new URL("/health", base))).status).toBe(200);
  });
});
