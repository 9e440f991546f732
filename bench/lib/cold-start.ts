// Cold starts: a fresh node process per start, timed from the process's own start (its
// performance.now() time origin) to the first answer of the function to an HTTP API event.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { EXPECTED_BODY, upperEvent, workDir } from "./lambda-bundles.js";
import { median } from "./report.js";

// The whole child: import the function, answer one event, say when (ms since the process started)
// and how much CPU it took. With "none", it loads nothing: the floor of a node process.
const driver = `
const [bundle, event] = process.argv.slice(2);
let status = 200, body = ${JSON.stringify(EXPECTED_BODY)};
if (bundle !== "none") {
  const { handler } = await import(bundle);
  const r = await handler(JSON.parse(event), { awsRequestId: "cold", getRemainingTimeInMillis: () => 3000 });
  status = r.statusCode;
  body = r.body;
}
const ms = performance.now();
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, status, body }) + "\\n");
`;

interface Start {
  readonly ms: number;
  readonly cpuMs: number;
}

function start(file: string, bundle: string): Promise<Start> {
  const child = spawn(process.execPath, [file, bundle, JSON.stringify(upperEvent())], {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      try {
        const r = JSON.parse(out) as Start & { status: number; body: string };
        if (code !== 0 || r.status !== 200 || r.body !== EXPECTED_BODY)
          throw new Error(`unexpected answer ${r.status} ${r.body}`);
        resolve(r);
      } catch (err) {
        reject(new Error(`the cold start of ${bundle} failed (exit ${code}): ${(err as Error).message}`));
      }
    });
  });
}

/**
 * Starts the function `runs` times (after `warmup` starts that fill the file cache), one after the
 * other. Rate: cold starts per minute at the median time; p50: the median (ms); p99: the slowest;
 * cpu: the CPU time over the wall time (well under 100 % means the process waited for a core).
 */
export async function measureColdStarts(bundle: string, runs: number, warmup = 2) {
  const file = `${workDir}/cold-driver.mjs`;
  writeFileSync(file, driver);
  for (let i = 0; i < warmup; i++) await start(file, bundle);
  const starts: Start[] = [];
  for (let i = 0; i < runs; i++) starts.push(await start(file, bundle));
  const ms = median(starts.map((s) => s.ms));
  const cpuMs = median(starts.map((s) => s.cpuMs));
  return {
    rate: 60_000 / ms,
    p50Ms: ms,
    p99Ms: Math.max(...starts.map((s) => s.ms)),
    cpuPercent: median(starts.map((s) => (s.cpuMs / s.ms) * 100)),
    calls: runs,
    seconds: starts.reduce((n, s) => n + s.ms, 0) / 1000,
    detail: `median ${ms.toFixed(0)} ms (CPU ${cpuMs.toFixed(0)} ms), slowest ${Math.max(...starts.map((s) => s.ms)).toFixed(0)} ms over ${runs} fresh processes`,
  };
}
