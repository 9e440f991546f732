import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { unsupported } from "../../../fixtures/asl/unsupported.js";

// aws-local-stepfunctions' own tests (v2.0.1, copied verbatim with their LICENSE under
// test/fixtures/asl/aws-local-stepfunctions/__tests__) run against Tesserae's States Language
// execution: their imports of their src/ resolve to test/fixtures/asl/harness.ts. Their tests of
// what Tesserae does differently are listed, with the reason, in test/fixtures/asl/unsupported.ts
// and skipped; every other one must pass.

const counts = { registered: 0, skipped: 0 };
const g = globalThis as Record<string, unknown>;
const wrapped = (title: string, fn?: () => unknown, timeout?: number) => {
  counts.registered++;
  const reason = unsupported[title];
  if (reason !== undefined) {
    counts.skipped++;
    return it.skip(`${title} — unsupported: ${reason}`, () => undefined);
  }
  return it(title, fn, timeout);
};
const each = (table: readonly unknown[]) => (title: string, fn: (...args: unknown[]) => unknown) => {
  for (const row of table) {
    const args = Array.isArray(row) ? row : [row];
    const name = title.replace(/\$(\w+)/g, (_, k: string) => String((row as Record<string, unknown>)[k]));
    wrapped(name, () => fn(...args));
  }
};
Object.assign(wrapped, { each, skip: it.skip, only: it.only });
const describeEach = (table: readonly unknown[]) => (title: string, fn: (...args: unknown[]) => void) => {
  for (const row of table) {
    const args = Array.isArray(row) ? row : [row];
    const name = title.replace(/\$(\w+)/g, (_, k: string) => String((row as Record<string, unknown>)[k]));
    describe(name, () => fn(...args));
  }
};
Object.assign(g, {
  describe: Object.assign((t: string, fn: () => void) => describe(t, fn), { each: describeEach }),
  test: wrapped,
  it: wrapped,
  expect,
  afterEach,
  beforeEach,
  jest: vi,
});

const dir = fileURLToPath(
  new URL("../../../fixtures/asl/aws-local-stepfunctions/__tests__/", import.meta.url),
);
const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
  f.endsWith(".fixture.ts"),
);
for (const file of files.sort()) await import(pathToFileURL(join(dir, file)).href);

afterAll(() => {
  console.log(
    `aws-local-stepfunctions fixtures: ${counts.registered - counts.skipped} of ${counts.registered} tests run, ${counts.skipped} unsupported (listed in test/fixtures/asl/unsupported.ts)`,
  );
});
