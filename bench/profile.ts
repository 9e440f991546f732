// `npx tsx bench/profile.ts <file.cpuprofile or folder>… [--top n]`: where a peer spends its CPU, from
// the V8 profiles that `npm run bench -- --cpu-prof` writes into bench/results/profiles/<run>/.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Groups a frame by where its code lives. */
function area(url: string, name: string): string {
  if (url === "") return name.startsWith("(") ? name : "native";
  if (url.startsWith("node:")) return "node internals";
  if (url.includes("/src/")) return url.includes("/node_modules/") ? "dependencies" : "tesserae src";
  if (url.includes("/node_modules/zod/")) return "zod";
  if (url.includes("/node_modules/")) return "dependencies";
  return "bench";
}

function summarise(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const dt = profile.timeDeltas[i] ?? 0;
    if (frame === undefined || frame.functionName === "(idle)") return;
    total += dt;
    const where =
      frame.url === ""
        ? ""
        : ` ${frame.url.replace(/^.*\/(node_modules|src)\//, "$1/")}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || "(anonymous)"}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const a = area(frame.url, frame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + dt);
  });
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  console.log(
    `\n${basename(join(file, ".."))}/${basename(file)}: ${(total / 1e6).toFixed(1)} s busy (idle left out)`,
  );
  for (const [name, us] of sorted(areas)) console.log(`  ${pct(us)}  ${name}`);
  console.log("  self time, top functions:");
  for (const [name, us] of sorted(self).slice(0, top)) console.log(`  ${pct(us)}  ${name}`);
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string" } } });
if (positionals.length === 0) {
  console.log("Usage: npx tsx bench/profile.ts <file.cpuprofile or folder>… [--top n]");
  process.exitCode = 1;
}
const files = positionals.flatMap((path) =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => join(path, f))
    : [path],
);
for (const file of files) summarise(file, Number(values.top ?? 25));
