// What `tesserae dev` watches. An outside user found that after `sed -i` (or an editor's atomic
// save) replaced src/greeter.ts by a rename, dev reloaded once and then never again for that file:
// Node's recursive fs.watch on Linux had watched the replaced file's inode.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ProjectWatch, watchProject } from "../../src/cli/dev/watch.js";

const work = mkdtempSync(join(tmpdir(), "tesserae-dev-watch-"));
const watches: ProjectWatch[] = [];
afterAll(async () => {
  await Promise.all(watches.map((w) => w.close()));
  rmSync(work, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A project folder with src/greeter.ts, watched; resolves to the changes reported so far. */
async function watched(name: string): Promise<{ root: string; changes: string[] }> {
  const root = join(work, name);
  mkdirSync(join(root, "src"), { recursive: true });
  writeFileSync(join(root, "src", "greeter.ts"), "export const greeting = 'hello';\n");
  const changes: string[] = [];
  const w = watchProject(root, (file) => changes.push(file), 20);
  watches.push(w);
  await w.ready;
  return { root, changes };
}

describe("tesserae dev's watch", { timeout: 60_000 }, () => {
  it("keeps seeing a file after it was replaced by a rename (sed -i, atomic save): two reloads, not one", async () => {
    const { root, changes } = await watched("renamed");
    const file = join(root, "src", "greeter.ts");
    // What `sed -i` does: write a temporary file beside it, then rename it over the original.
    const temporary = join(root, "src", "sedAbC123");
    writeFileSync(temporary, "export const greeting = 'hi';\n");
    renameSync(temporary, file);
    await until("the rename to be seen", () => changes.length >= 1);
    const afterRename = changes.length;
    // Then an edit in place of the same file: this one was lost.
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(file, "export const greeting = 'hey';\n");
    await until("the in-place edit after the rename to be seen", () => changes.length > afterRename);
    expect(changes.at(-1)).toBe(join("src", "greeter.ts"));
  });

  it("leaves out node_modules, .tesserae, dist and editors' swap files as before", async () => {
    const { root, changes } = await watched("ignores");
    for (const dir of ["node_modules/x", ".tesserae", "dist", ".git"])
      mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, "node_modules", "x", "index.js"), "1");
    writeFileSync(join(root, ".tesserae", "dev.db"), "1");
    writeFileSync(join(root, "dist", "index.js"), "1");
    writeFileSync(join(root, "src", ".greeter.ts.swp"), "1");
    await new Promise((r) => setTimeout(r, 400));
    writeFileSync(join(root, ".env"), "PORT=3001\n");
    await until("the .env change to be seen", () => changes.includes(".env"));
    expect(changes).toEqual([".env"]);
  });
});
