// The bench installs its own peers into bench/node_modules, leaving the root package alone.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const benchDir = fileURLToPath(new URL("..", import.meta.url));
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The dependencies of bench/package.json that bench/node_modules lacks. */
function missingPeers(): string[] {
  const manifest = JSON.parse(readFileSync(`${benchDir}package.json`, "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {}).filter(
    (name) => !existsSync(`${benchDir}node_modules/${name}/package.json`),
  );
}

/** Runs `npm install --prefix bench` when bench/node_modules is missing (or lacks a peer). */
export function ensurePeersInstalled(): void {
  const missing = missingPeers();
  if (missing.length === 0) return;
  console.log(`Installing the peer frameworks into bench/node_modules (missing: ${missing.join(", ")})…`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["install", "--prefix", "bench", "--no-audit", "--no-fund"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  if (result.status !== 0 || missingPeers().length > 0) {
    throw new Error(
      `npm install --prefix bench failed (${result.error?.message ?? `exit ${result.status}`})`,
    );
  }
}
