import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const repoRoot = new URL("../../../", import.meta.url).pathname.replace(/\/$/, "");

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/**
 * Builds this repository into a staging folder and packs it, as `npm publish` would ship it.
 * Resolves to the tarball's path. The build reports type errors of work in progress elsewhere in
 * the tree without failing: the type check of `npm test` is where they fail.
 */
export async function packTesserae(workdir: string): Promise<string> {
  const stage = join(workdir, "package");
  mkdirSync(stage, { recursive: true });
  await run(
    join(repoRoot, "node_modules/.bin/tsc"),
    ["-p", "tsconfig.build.json", "--outDir", join(stage, "dist")],
    {
      cwd: repoRoot,
    },
  ).catch((err: { stdout?: string }) => {
    if (!existsSync(join(stage, "dist/src/cli/main.js"))) throw new Error(`the build failed:\n${err.stdout}`);
  });
  for (const file of ["package.json", "README.md", "LICENSE"])
    cpSync(join(repoRoot, file), join(stage, file));
  cpSync(join(repoRoot, "templates"), join(stage, "templates"), { recursive: true });
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--pack-destination", workdir], {
    cwd: stage,
  });
  // The staged CLI can run too (`tesserae new` before any install), on the repository's dependencies.
  symlinkSync(join(repoRoot, "node_modules"), join(stage, "node_modules"));
  return join(workdir, stdout.trim().split("\n").pop()!);
}

/**
 * Writes a lockfile for an app from this repository's lockfile: the app's dependencies and
 * tesserae's, at the versions the repository installed, whose tarballs `npm ci` left in the npm
 * cache. `npm install --offline` then needs no registry: no metadata to resolve, every tarball
 * cached (tesserae itself is the local tarball).
 */
export function writeOfflineLockfile(appDir: string, tarball: string): void {
  const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const tesserae = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as PackageJson;
  const app = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")) as PackageJson;
  const picked: Record<string, LockEntry> = {};
  // Node's resolution in the hoisted tree: the nearest node_modules/<name> up from the dependent.
  const locate = (from: string, name: string): string | undefined => {
    let at = from;
    for (;;) {
      const candidate = `${at === "" ? "" : `${at}/`}node_modules/${name}`;
      if (lock.packages[candidate] !== undefined) return candidate;
      if (at === "") return undefined;
      const cut = at.lastIndexOf("/node_modules/");
      at = cut === -1 ? "" : at.slice(0, cut);
    }
  };
  const visit = (from: string, deps: Record<string, string>, optional: ReadonlySet<string>) => {
    for (const name of Object.keys(deps)) {
      const at = locate(from, name);
      if (at === undefined) {
        if (optional.has(name)) continue;
        throw new Error(`${name} (needed by ${from || "the app"}) is not in the repository's lockfile`);
      }
      if (picked[at] !== undefined) continue;
      const entry = lock.packages[at]!;
      picked[at] = entry;
      const optionalHere = new Set([
        ...Object.keys(entry.optionalDependencies ?? {}),
        ...Object.entries(entry.peerDependenciesMeta ?? {})
          .filter(([, meta]) => meta.optional === true)
          .map(([n]) => n),
      ]);
      visit(
        at,
        { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies },
        optionalHere,
      );
    }
  };
  const { tesserae: _self, ...appDeps } = { ...app.dependencies, ...app.devDependencies };
  visit("", appDeps, new Set());
  visit("", tesserae.dependencies ?? {}, new Set());
  const packages = {
    "": {
      name: app.name,
      version: app.version,
      dependencies: app.dependencies,
      devDependencies: app.devDependencies,
    },
    "node_modules/tesserae": {
      version: tesserae.version,
      resolved: `file:${tarball}`,
      dependencies: tesserae.dependencies,
      bin: { tesserae: "dist/src/cli/main.js" },
    },
    ...picked,
  };
  writeFileSync(
    join(appDir, "package-lock.json"),
    JSON.stringify(
      { name: app.name, version: app.version, lockfileVersion: 3, requires: true, packages },
      null,
      2,
    ),
  );
}

/**
 * `npm install --offline` in `appDir`, with its dependency on tesserae pointing at the tarball. When
 * the npm cache misses a tarball (a machine whose cache was not filled by `npm ci` of this
 * repository), it falls back to `--prefer-offline`, which fetches only what is missing.
 */
export async function installOffline(appDir: string, tarball: string): Promise<"offline" | "prefer-offline"> {
  writeOfflineLockfile(appDir, tarball);
  const install = (mode: string) =>
    run("npm", ["install", `--${mode}`, "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: appDir,
    });
  try {
    await install("offline");
    return "offline";
  } catch (err) {
    if (!String((err as { stderr?: string }).stderr).includes("ENOTCACHED")) throw err;
    await install("prefer-offline");
    return "prefer-offline";
  }
}
