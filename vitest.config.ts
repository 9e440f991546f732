import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Guide snippets import the package by name, as users do.
    alias: [
      { find: /^tessera$/, replacement: src("index.ts") },
      { find: /^tessera\/testing$/, replacement: src("testing/index.ts") },
      { find: /^tessera\/(.*)$/, replacement: src("adapters/$1/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
