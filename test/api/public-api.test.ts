// The public surface, listed: every entry point of package.json's exports with the values and the
// types it exports. `public-api.txt` is the list; a change to the surface shows in its diff, so it
// is deliberate (update the file with `npx vitest run test/api -u`).
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const pkg = JSON.parse(read("package.json")) as { exports: Record<string, { default: string }> };
const entryPoints = Object.entries(pkg.exports).map(([subpath, { default: built }]) => ({
  name: `tesserae${subpath.slice(1)}`,
  source: built.replace("./dist/src/", "src/").replace(/\.js$/, ".ts"),
}));

/** The names an entry file exports as types only: `export type {…}`, `type X` in a list, declarations. */
function typeNames(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    for (const raw of m[2]!
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (m[1] === undefined && !raw.startsWith("type ")) continue;
      const name = raw.replace(/^type\s+/, "");
      names.push(name.includes(" as ") ? name.split(" as ")[1]!.trim() : name);
    }
  }
  for (const m of source.matchAll(/^export\s+(?:interface|type)\s+(\w+)/gm)) names.push(m[1]!);
  return names.sort();
}

describe("the public API", () => {
  it("lists every entry point's exports", async () => {
    const sections: string[] = [];
    for (const { name, source } of entryPoints) {
      const values = Object.keys(await import(/* @vite-ignore */ name)).sort();
      const types = typeNames(read(source)).filter((t) => !values.includes(t));
      sections.push(`${name}\n  values: ${values.join(", ")}\n  types: ${types.join(", ")}`);
    }
    await expect(`${sections.join("\n\n")}\n`).toMatchFileSnapshot("./public-api.txt");
  });

  it("lists names, never `export *`, in its entry files", () => {
    for (const { source } of entryPoints) expect(read(source), source).not.toMatch(/export\s+\*/);
  });

  it("keeps the root to the few dozen names a service author needs", async () => {
    const root = Object.keys(await import("tesserae"));
    expect(root.length).toBeLessThanOrEqual(30);
    for (const internal of [
      "routeOf",
      "routeTable",
      "parseDefinition",
      "checkDefinition",
      "eventView",
      "applyDelta",
      "discoverySubjects",
      "MESSAGE_ID_HEADER",
      "toSvg",
      "jwt",
      "flow",
    ]) {
      expect(root).not.toContain(internal);
    }
  });

  it("maps every entry point in tsconfig's paths to the same source, and names it in the README", () => {
    const tsconfig = read("tsconfig.json");
    const readme = read("README.md");
    for (const { name, source } of entryPoints) {
      expect(tsconfig, name).toContain(`"${name}": ["./${source}"]`);
      expect(readme, name).toContain(`\`${name}\``);
    }
  });

  it("is all the type-level tests use: they import the package by name, as users do", () => {
    for (const file of readdirSync(new URL("../types", import.meta.url))) {
      expect(read(`test/types/${file}`), file).not.toMatch(/from "(\.\.\/)+src\//);
    }
  });
});
