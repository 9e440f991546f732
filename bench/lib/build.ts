// The peers run as plain JavaScript compiled by tsc, as Tesserae runs in production, not through tsx:
// tsx transforms with esbuild's `keepNames`, which wraps every function created at run time in a
// `__name()` call. Tesserae's per-request closures paid for it (about 5 % of GET throughput in an A/B
// run) while Fastify, Hono and Moleculer, published as JavaScript, did not.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const buildDir = fileURLToPath(new URL("../.build/", import.meta.url));

/** Compiles bench/peers (and the Tesserae sources they import) into bench/.build, without type checking. */
export function buildPeers(): void {
  rmSync(buildDir, { recursive: true, force: true });
  const tsc = `${repoRoot}node_modules/.bin/tsc`;
  const result = spawnSync(tsc, ["-p", "bench/tsconfig.peers.json"], { cwd: repoRoot, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(
      `compiling the peers failed (${tsc} -p bench/tsconfig.peers.json):\n${result.stdout}${result.stderr}`,
    );
  }
}

/** The compiled file of `bench/peers/<name>.ts`. */
export function peerScript(name: string): string {
  return `${buildDir}bench/peers/${name.replace(/\.ts$/, ".js")}`;
}
