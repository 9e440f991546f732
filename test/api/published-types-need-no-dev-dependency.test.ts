// Regression (issue 13 follow-up, finding 4): the published declarations of `tesserae/sqlite` and
// `tesserae/postgres` import the types of `better-sqlite3` and `pg`, which live in `@types/…`
// packages that were only devDependencies: a fresh project with `skipLibCheck: false` got 7 ×
// TS7016, and with `skipLibCheck: true` the `database`/`pool` options silently became `any`. They
// are dependencies now (as pg and better-sqlite3 are). Here the declarations are built as `npm run
// build` builds them, installed in a project outside the repository beside the package's
// dependencies alone (their closure, as `npm install` would bring them, no devDependency), and a
// tiny consumer is type-checked with `skipLibCheck: false` under nodenext and bundler resolution.
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../..", import.meta.url));
const tsc = join(repo, "node_modules/.bin/tsc");
const work = mkdtempSync(join(tmpdir(), "tesserae-types-"));
const app = join(work, "app");
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Links into the app each package `npm install` would bring for these dependencies, and theirs. */
function linkClosure(names: readonly string[], linked = new Set<string>()): void {
  for (const name of names) {
    const from = join(repo, "node_modules", name);
    // Absent at the top: installed nested under its dependent, and linked along with it.
    if (linked.has(name) || !existsSync(from)) continue;
    linked.add(name);
    mkdirSync(dirname(join(app, "node_modules", name)), { recursive: true });
    symlinkSync(from, join(app, "node_modules", name), "dir");
    const m = JSON.parse(readFileSync(join(from, "package.json"), "utf8")) as Manifest;
    const peers = Object.keys(m.peerDependencies ?? {}).filter(
      (p) => m.peerDependenciesMeta?.[p]?.optional !== true,
    );
    linkClosure([...Object.keys(m.dependencies ?? {}), ...peers], linked);
  }
}

const consumer = `import { createNode } from "tesserae";
import { postgresFlowStore } from "tesserae/postgres";
import { sqliteFlowStore } from "tesserae/sqlite";

export const parts = [createNode, postgresFlowStore, sqliteFlowStore] as const;
`;

async function typecheck(compilerOptions: Record<string, unknown>): Promise<string> {
  const config = join(app, `tsconfig.${String(compilerOptions.moduleResolution)}.json`);
  const options = { strict: true, skipLibCheck: false, noEmit: true, target: "es2022", ...compilerOptions };
  writeFileSync(config, JSON.stringify({ compilerOptions: options, files: ["index.ts"] }));
  try {
    await run(tsc, ["-p", config], { cwd: app });
    return "";
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

describe("the published types", () => {
  it("type-check in a fresh project with skipLibCheck false: no TS7016 for better-sqlite3 or pg (their @types were devDependencies)", async () => {
    const pkg = join(app, "node_modules/tesserae");
    await run(tsc, ["-p", "tsconfig.build.json", "--emitDeclarationOnly", "--outDir", join(pkg, "dist")], {
      cwd: repo,
    });
    cpSync(join(repo, "package.json"), join(pkg, "package.json"));
    const manifest = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as Manifest;
    linkClosure(Object.keys(manifest.dependencies ?? {}));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", type: "module", private: true }));
    writeFileSync(join(app, "index.ts"), consumer);
    expect(await typecheck({ module: "nodenext", moduleResolution: "nodenext" })).toBe("");
    expect(await typecheck({ module: "esnext", moduleResolution: "bundler" })).toBe("");
  }, 600_000);
});
