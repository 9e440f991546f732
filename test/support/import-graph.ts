import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** A source file and what it imports. */
export interface SourceFile {
  /** Path from the repository root, e.g. `src/core/node.ts`. */
  readonly path: string;
  readonly lines: number;
  /** Files of the tree it imports (type-only imports included), as paths from the root. */
  readonly imports: readonly string[];
  /** Bare specifiers it imports (packages and node: builtins), with whether any import is a value. */
  readonly packages: ReadonlyMap<string, boolean>;
  /** Files it imports for values (not `import type`). */
  readonly valueImports: readonly string[];
}

const specifiers =
  /(?:^|\n)\s*(import|export)(\s+type)?[^;]*?\sfrom\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)|(?:^|\n)\s*import\s+"([^"]+)"/g;

/** Every `.ts` file under `dir` (relative to `root`), with its imports. */
export function importGraph(root: string, dir = "src"): Map<string, SourceFile> {
  const files = new Map<string, SourceFile>();
  const walk = (at: string) => {
    for (const entry of readdirSync(join(root, at), { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) files.set(path, read(root, path));
    }
  };
  walk(dir);
  return files;
}

function read(root: string, path: string): SourceFile {
  const text = readFileSync(join(root, path), "utf8");
  const imports = new Set<string>();
  const valueImports = new Set<string>();
  const packages = new Map<string, boolean>();
  for (const m of text.matchAll(specifiers)) {
    const spec = m[3] ?? m[4] ?? m[5]!;
    // Code that writes code (the service scaffold) holds import lines in template strings.
    if (spec.includes("${")) continue;
    const typeOnly = m[2] !== undefined;
    if (spec.startsWith(".")) {
      const target = relative(root, resolve(root, dirname(path), spec.replace(/\.js$/, ".ts")));
      imports.add(target);
      if (!typeOnly) valueImports.add(target);
    } else {
      packages.set(spec, (packages.get(spec) ?? false) || !typeOnly);
    }
  }
  return {
    path,
    lines: text.split("\n").length - (text.endsWith("\n") ? 1 : 0),
    imports: [...imports],
    valueImports: [...valueImports],
    packages,
  };
}

/** The groups of files that import each other, directly or through others (Tarjan's algorithm). */
export function cycles(files: ReadonlyMap<string, SourceFile>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of files.get(v)?.imports ?? []) {
      if (!files.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const v of files.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The files reached from `start` through value imports (what loading it loads). */
export function loadedBy(files: ReadonlyMap<string, SourceFile>, start: string): Set<string> {
  const seen = new Set<string>();
  const go = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const next of files.get(path)?.valueImports ?? []) go(next);
  };
  go(start);
  return seen;
}
