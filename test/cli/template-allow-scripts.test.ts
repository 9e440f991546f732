// Issue 15 verification, finding 6: a scaffolded project's `npm install` warned "1 package has
// install scripts not yet covered by allowScripts: zeromq@6.8.0": the templates' allowScripts
// named better-sqlite3 and esbuild only, while Tesserae depends on zeromq too (its prebuilt
// binaries load without the script, which Tesserae's own package.json leaves off).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  gypfile?: boolean;
  allowScripts?: Record<string, boolean>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
}

/** Where Node finds `name` from `dir` (its node_modules, then its parents'), as npm lays them out. */
function resolve(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

/** The packages installed with Tesserae (its dependencies, transitively) that have an install script. */
function withInstallScripts(): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const m = manifest(dir);
    const s = m.scripts ?? {};
    if (
      dir !== root &&
      (s.preinstall !== undefined ||
        s.install !== undefined ||
        s.postinstall !== undefined ||
        m.gypfile === true ||
        existsSync(join(dir, "binding.gyp")))
    )
      found.add(m.name);
    for (const name of Object.keys({ ...m.dependencies, ...m.optionalDependencies })) {
      const at = resolve(name, dir);
      // An optional dependency of another platform is not installed here.
      if (at !== undefined) visit(at);
    }
  };
  visit(root);
  return [...found].sort();
}

describe("the templates' allowScripts", () => {
  const scripts = withInstallScripts();
  const own = manifest(root).allowScripts ?? {};
  const templates = readdirSync(join(root, "templates")).filter((t) =>
    existsSync(join(root, "templates", t, "package.json")),
  );

  it("Tesserae's own allowScripts decides each install script of its dependencies", () => {
    expect(scripts).toContain("zeromq");
    expect(Object.keys(own).sort()).toEqual(expect.arrayContaining(scripts));
  });

  for (const template of templates)
    it(`${template}: a scaffolded project's npm install warned that zeromq's install script isn't covered: now every one is, as Tesserae decides it`, () => {
      const allow = manifest(join(root, "templates", template)).allowScripts ?? {};
      for (const name of scripts)
        expect({ name, allowed: allow[name] }).toEqual({ name, allowed: own[name] });
    });
});
