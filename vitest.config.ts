import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests and guide snippets import the package by name, as users do: each entry point of
// package.json's exports maps to its source (./dist/src/x.js → ./src/x.ts).
const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  exports: Record<string, { default: string }>;
};
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
const alias = Object.entries(pkg.exports).map(([subpath, { default: built }]) => ({
  find: new RegExp(`^${escapeRegExp(`tesserae${subpath.slice(1)}`)}$`),
  replacement: fileURLToPath(
    new URL(built.replace("./dist/src/", "./src/").replace(/\.js$/, ".ts"), import.meta.url),
  ),
}));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
