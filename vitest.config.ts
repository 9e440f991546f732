import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Guide snippets import the package by name, as users do.
    alias: [
      { find: /^tesserae$/, replacement: src("index.ts") },
      { find: /^tesserae\/testing$/, replacement: src("testing/index.ts") },
      { find: /^tesserae\/(.*)$/, replacement: src("adapters/$1/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
