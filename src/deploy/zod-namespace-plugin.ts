import { readFile } from "node:fs/promises";
import type { Loader, Plugin } from "esbuild";

// esbuild keeps every export of a namespace that a module re-exports by name, so
// `import { z } from "zod"` bundles all of zod, its ~40 locales included (about 450 KB minified),
// while `import * as z from "zod"` keeps only what is used (about 85 KB for a few schemas). The two
// are the same for code that uses `z.something`: zod's root module re-exports `z`'s members.
const namedZ = /\bimport\s*\{\s*z\s*\}\s*from\s*(["'])(zod(?:\/v4)?)\1/g;

/** Rewrites `import { z } from "zod"` into `import * as z from "zod"` in the project's own files. */
export function rewriteZodImport(source: string): string {
  return source.replace(
    namedZ,
    (_m, quote: string, specifier: string) => `import * as z from ${quote}${specifier}${quote}`,
  );
}

const loaders: Record<string, Loader> = { ts: "ts", mts: "ts", cts: "ts", tsx: "tsx", jsx: "jsx" };

/**
 * The esbuild plugin that applies {@link rewriteZodImport} to TypeScript and JavaScript files outside
 * `node_modules`.
 */
export function zodNamespacePlugin(): Plugin {
  return {
    name: "tesserae-zod-namespace",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.path.includes("/node_modules/") || args.path.includes("\\node_modules\\")) return undefined;
        const source = await readFile(args.path, "utf8");
        if (!source.includes("zod")) return undefined;
        const rewritten = rewriteZodImport(source);
        if (rewritten === source) return undefined;
        const ext = args.path.slice(args.path.lastIndexOf(".") + 1);
        return { contents: rewritten, loader: loaders[ext] ?? "js" };
      });
    },
  };
}
