// `npm run bench [-- <scenario>…]`: Tesserae beside its peers in one run, with ratios against the targets.
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildPeers } from "./lib/build.js";
import { killAll, startPeer } from "./lib/child.js";
import { childrenCpuSeconds, cpuSeconds } from "./lib/cpu-time.js";
import { ensurePeersInstalled } from "./lib/deps.js";
import { checkPeer } from "./lib/http-check.js";
import { choosePinning, type Pinning } from "./lib/pinning.js";
import {
  applyRatios,
  formatTable,
  legend,
  type Measurement,
  type Row,
  type Samples,
  summarise,
  unitOf,
} from "./lib/report.js";
import { PEER_CPUS } from "./lib/responder.js";
import { type HttpScenario, type Peer, type Scenario, scenarios } from "./lib/scenarios.js";
import { runWrk, WRK_MISSING, wrkVersion } from "./lib/wrk.js";

const CONNECTIONS = 100;
const CONCURRENCY = 100;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const usage = `Usage: npm run bench [-- [scenario…] [options]]

Runs Tesserae beside its peers, each in its own child process, and prints req/s (or calls/s),
p99 latency, Tesserae's ratio to each peer and whether the target of issue 2 is met.
Results are also written to bench/results/latest.json.

Scenarios (default: all):
${scenarios.map((s) => `  ${s.name.padEnd(10)} ${s.title}: ${s.peers.map((p) => p.name).join(", ")}`).join("\n")}

Options:
  --peers a,b     only these peers (e.g. --peers tesserae,fastify)
  --rounds n      repeat every measurement n times, interleaved, and keep the median (default 1)
  --cpu-prof      write V8 CPU profiles of every peer process into bench/results/profiles/<run>/
                  (summarise them with: npx tsx bench/profile.ts <file.cpuprofile>)
  -h, --help      this help

Environment:
  BENCH_DURATION  seconds measured per peer (default 10)
  BENCH_WARMUP    seconds of warm-up before each measurement (default 3)

HTTP load: wrk -t1 -c${CONNECTIONS} (apt-get install -y wrk). In-process load: ${CONCURRENCY} calls in flight.
The server is pinned to one core and wrk to another with taskset when both are available; the
service node of http-remote on a third core, or beside wrk on two (never on the server's).
The peers run as JavaScript compiled by tsc into bench/.build (see bench/lib/build.ts for why).`;

interface Settings {
  readonly duration: number;
  readonly warmup: number;
  readonly pinning: Pinning;
  /** Node flags of a peer process (CPU profiles in a folder named after the run with --cpu-prof). */
  readonly nodeFlags: (run: string) => readonly string[];
}

function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds`);
  return value;
}

const usageError = (message: string) => new Error(`${message} (npm run bench -- --help)`);

function parseCli() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      peers: { type: "string" },
      rounds: { type: "string" },
      "cpu-prof": { type: "boolean" },
    },
  });
  const unknown = positionals.filter((p) => !scenarios.some((s) => s.name === p));
  if (unknown.length > 0) throw usageError(`unknown scenario ${unknown.join(", ")}`);
  const rounds = Number(values.rounds ?? 1);
  if (!Number.isInteger(rounds) || rounds < 1) throw usageError("--rounds must be a positive integer");
  const wanted = values.peers?.split(",").map((p) => p.trim());
  const strangers = wanted?.filter((w) => !scenarios.some((s) => s.peers.some((p) => p.name === w))) ?? [];
  if (strangers.length > 0) throw usageError(`unknown peer ${strangers.join(", ")}`);
  const selected = scenarios
    .filter((s) => positionals.length === 0 || positionals.includes(s.name))
    .map((s) => ({ ...s, peers: s.peers.filter((p) => wanted === undefined || wanted.includes(p.name)) }))
    .filter((s) => s.peers.length > 0);
  if (selected.length === 0) throw usageError("no peer left to measure");
  return { help: values.help === true, selected, rounds, cpuProf: values["cpu-prof"] === true };
}

async function measureHttp(
  scenario: HttpScenario,
  peer: Peer,
  settings: Settings,
  run: string,
): Promise<Measurement> {
  const server = await startPeer(peer.file, "READY", {
    pin: settings.pinning.server,
    nodeFlags: settings.nodeFlags(run),
    // A peer of two processes pins its other one off the server's CPU (see lib/pinning.ts).
    env: settings.pinning.peer === "" ? {} : { [PEER_CPUS]: settings.pinning.peer },
    timeout: 60_000,
  });
  try {
    await checkPeer(server.line, scenario, peer);
    const url = `${server.line}${scenario.path}`;
    const load = { connections: CONNECTIONS, pin: settings.pinning.load, post: scenario.body };
    await runWrk(url, { ...load, seconds: settings.warmup });
    const cpu0 = cpuSeconds(server.child.pid);
    const other0 = childrenCpuSeconds(server.child.pid);
    const t0 = performance.now();
    const result = await runWrk(url, { ...load, seconds: settings.duration });
    const cpu1 = cpuSeconds(server.child.pid);
    const other1 = childrenCpuSeconds(server.child.pid);
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpu0 === undefined || cpu1 === undefined ? {} : { cpuPercent: ((cpu1 - cpu0) / wall) * 100 };
    // The other process of a two-process peer (its service node): its share, beside the server's.
    const other =
      other0 === undefined || other1 === undefined
        ? {}
        : { detail: `other process cpu ${(((other1 - other0) / wall) * 100).toFixed(0)}%` };
    return { ...result, rate: result.rps, ...cpu, ...other };
  } finally {
    await server.stop();
  }
}

async function measureCall(
  scenario: Scenario,
  peer: Peer,
  settings: Settings,
  run: string,
): Promise<Measurement> {
  const child = await startPeer(peer.file, "RESULT", {
    pin: scenario.kind === "call" && scenario.pinned === false ? [] : settings.pinning.server,
    nodeFlags: settings.nodeFlags(run),
    env: {
      BENCH_DURATION: String(settings.duration),
      BENCH_WARMUP: String(settings.warmup),
      BENCH_CONCURRENCY: String(CONCURRENCY),
    },
    timeout: (settings.duration + settings.warmup + 60) * 1000,
  });
  await child.finish();
  return JSON.parse(child.line) as Measurement;
}

const thousands = (n: number) => Math.round(n).toLocaleString("en-US");

function describe(m: Measurement, unit: string): string {
  const parts = [`${thousands(m.rate)} ${unit}`];
  if (m.detail !== undefined) parts.push(m.detail);
  if (m.p99Ms !== undefined) parts.push(`p99 ${m.p99Ms.toFixed(2)} ms`);
  if (m.cpuPercent !== undefined) parts.push(`cpu ${m.cpuPercent.toFixed(0)}%`);
  if ((m.non2xx ?? 0) + (m.socketErrors ?? 0) > 0) {
    parts.push(`${m.non2xx} non-2xx and ${m.socketErrors} socket errors`);
  }
  return parts.join(", ");
}

async function main(): Promise<number> {
  const cli = parseCli();
  if (cli.help) {
    console.log(usage);
    return 0;
  }
  const wrk = cli.selected.some((s) => s.kind === "http") ? wrkVersion() : "not needed";
  if (wrk === undefined) {
    console.error(WRK_MISSING);
    return 1;
  }
  ensurePeersInstalled();
  buildPeers();
  const settings: Settings = {
    duration: seconds("BENCH_DURATION", 10),
    warmup: seconds("BENCH_WARMUP", 3),
    pinning: choosePinning(),
    // One folder per run, named after it (node names the files after the pid).
    nodeFlags: (run) => (cli.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", `${resultsDir}profiles/${run}`] : []),
  };
  const environment = {
    node: process.version,
    cpu: `${cpus()[0]?.model ?? "unknown"} × ${availableParallelism()}`,
    pinning: settings.pinning.note,
    wrk,
    connections: CONNECTIONS,
    durationSeconds: settings.duration,
    warmupSeconds: settings.warmup,
    rounds: cli.rounds,
  };
  console.log(
    `Tesserae benchmarks: ${Object.entries(environment)
      .map(([k, v]) => `${k} ${v}`)
      .join(" · ")}\n`,
  );

  const samples = new Map<string, Samples>();
  for (let round = 1; round <= cli.rounds; round++) {
    for (const scenario of cli.selected) {
      // Every other round runs the peers in reverse order, so that no peer always follows the same one.
      const peers = round % 2 === 1 ? scenario.peers : [...scenario.peers].reverse();
      for (const peer of peers) {
        const key = `${scenario.name}/${peer.name}`;
        const s = samples.get(key) ?? { runs: [] };
        samples.set(key, s);
        const label = `${cli.rounds > 1 ? `[${round}/${cli.rounds}] ` : ""}${scenario.name} · ${peer.name}`;
        const run = `${scenario.name}-${peer.name.replace(/[^a-z0-9-]/gi, "-")}-${round}`;
        try {
          const m =
            scenario.kind === "http"
              ? await measureHttp(scenario, peer, settings, run)
              : await measureCall(scenario, peer, settings, run);
          s.runs.push(m);
          console.log(`  ${label}: ${describe(m, unitOf(scenario))}`);
        } catch (err) {
          s.error = err instanceof Error ? err.message : String(err);
          console.log(`  ${label}: FAILED ${s.error}`);
        }
      }
    }
  }

  const rows: Row[] = [];
  for (const scenario of cli.selected) {
    const scenarioRows = scenario.peers.map((peer) =>
      summarise(scenario, peer, samples.get(`${scenario.name}/${peer.name}`)!),
    );
    applyRatios(scenarioRows);
    rows.push(...scenarioRows);
  }
  console.log(`\n${formatTable(rows)}\n${legend(rows)}`);
  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}latest.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), environment, results: rows }, null, 2)}\n`,
  );
  console.log(`\nWritten to ${file}${cli.cpuProf ? `; CPU profiles in ${resultsDir}profiles/` : ""}`);
  return rows.some((r) => r.error !== undefined) ? 1 : 0;
}

process.once("SIGINT", () => {
  killAll();
  process.exit(130);
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    killAll();
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
