// Issue 19: the crash suite must not shrink quietly. package.json's `test:crash` names its files;
// each must exist (vitest runs what matches and says nothing of a filter that matches nothing), be
// an e2e test that `npm test` runs too, and be named in the README's Development section, which
// names no other.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { scripts: Record<string, string> };
const readme = readFileSync(`${root}README.md`, "utf8");

const script = pkg.scripts["test:crash"] ?? "";
const files = script.split(/\s+/).filter((w) => w.startsWith("test/"));
/** The README's paragraph on the crash suite: from its name to the next blank line. */
const paragraph = /The \*\*crash suite\*\*[\s\S]*?\n\n/.exec(readme)?.[0] ?? "";

describe("the crash suite", () => {
  it("is `vitest run` of e2e test files that exist", () => {
    expect(script.startsWith("vitest run ")).toBe(true);
    expect(files.length).toBeGreaterThanOrEqual(11);
    for (const f of files) {
      expect(f, f).toMatch(/^test\/e2e\/[\w-]+\.e2e\.test\.ts$/);
      expect(existsSync(`${root}${f}`), `${f} is gone`).toBe(true);
    }
  });

  it("holds the four kinds the issue asks for: SIGKILL anywhere, SIGSTOP past the lease, broker restarts, the gateway fuzz", () => {
    for (const f of ["flows-crash", "flows-sigstop", "broker-restart-durable", "gateway-fuzz"])
      expect(files).toContain(`test/e2e/${f}.e2e.test.ts`);
  });

  it("is listed in the README, file for file", () => {
    expect(paragraph).not.toBe("");
    const named = [...paragraph.matchAll(/`([\w-]+)`/g)]
      .map((m) => m[1]!)
      .filter((n) => existsSync(`${root}test/e2e/${n}.e2e.test.ts`));
    expect(new Set(named)).toEqual(
      new Set(files.map((f) => f.replace(/^test\/e2e\/|\.e2e\.test\.ts$/g, ""))),
    );
  });
});
