import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { importGraph } from "./import-graph.js";

// The floors of DESIGN.md as folders of src/, and the source tree's import graph.
export const root = fileURLToPath(new URL("../..", import.meta.url));
export const files = importGraph(root);

export const floors = [
  { name: "1. core", dirs: ["src/core"] },
  { name: "2. ports", dirs: ["src/ports"] },
  { name: "3. features", dirs: ["src/features"] },
  {
    name: "4. adapters and tools",
    dirs: ["src/adapters", "src/cli", "src/config", "src/deploy", "src/testing", "src/index.ts"],
  },
] as const;

export function floorOf(path: string): number {
  const at = floors.findIndex((f) => f.dirs.some((d) => path === d || path.startsWith(`${d}/`)));
  if (at === -1) throw new Error(`${path} is on no floor`);
  return at;
}

/** The README's table of floors: folders, and the floors each imports from (read from the code). */
export function architectureTable(): string {
  const rows = floors.map((floor, at) => {
    const folders = floor.dirs
      .filter((d) => d.endsWith(".ts") === false)
      .map((d) => {
        const subs =
          d === "src/features" || d === "src/adapters"
            ? readdirSync(`${root}${d}`, { withFileTypes: true })
                .filter((e) => e.isDirectory())
                .map((e) => `\`${e.name}/\``)
            : [];
        return subs.length > 0 ? `\`${d}/\` (${subs.join(", ")})` : `\`${d}/\``;
      });
    const from = new Set<number>();
    for (const f of files.values()) {
      if (floorOf(f.path) !== at) continue;
      for (const to of f.imports) if (floorOf(to) < at) from.add(floorOf(to));
    }
    const importsFrom = [...from].sort().map((i) => floors[i]!.name.replace(/^\d\. /, ""));
    return `| ${floor.name} | ${folders.join(", ")} | ${importsFrom.length === 0 ? "nothing of the project" : importsFrom.join(", ")} |`;
  });
  return ["| floor | folders | imports from |", "| --- | --- | --- |", ...rows].join("\n");
}
