// `tesserae new` refuses what it cannot scaffold in one line, before writing anything. An outside
// user found `tesserae new <an existing file>` printing "unexpected error: ENOTDIR", and
// `--tesserae 'not a spec!!'` written unchecked into package.json, to fail only at `npm install`.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkFrameworkSpec } from "../../src/cli/framework-spec.js";
import { runCliCaptured } from "../support/cli.js";

const work = mkdtempSync(join(tmpdir(), "tesserae-new-refusals-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCliCaptured(argv);

describe("tesserae new refuses in one line", () => {
  it("an existing file as <dir> (it printed 'unexpected error: ENOTDIR')", async () => {
    const file = join(work, "afile");
    writeFileSync(file, "hello\n");
    const res = await cli("new", file);
    expect(res).toMatchObject({ code: 1, stdout: "" });
    expect(res.stderr).toBe(`tesserae: ${file} exists and is not a folder: choose a new or empty folder\n`);
    const below = await cli("new", join(file, "app"));
    expect(below.code).toBe(1);
    expect(below.stderr).toBe(`tesserae: cannot create ${join(file, "app")}: a file is in the way\n`);
    expect(below.stderr).not.toMatch(/ENOTDIR|unexpected/);
  });

  it("a --tesserae spec npm cannot install (it was written unchecked into package.json)", async () => {
    const dir = join(work, "bad-spec");
    const res = await cli("new", dir, "--tesserae", "not a spec!!");
    expect(res.code).toBe(1);
    expect(res.stderr.split("\n")).toHaveLength(2);
    expect(res.stderr).toMatch(/^tesserae: --tesserae "not a spec!!" is not a dependency npm can install/);
    expect(readdirSync(work)).not.toContain("bad-spec");
    // An empty folder the user made stays, empty.
    mkdirSync(join(work, "empty"));
    expect((await cli("new", join(work, "empty"), "--tesserae", "")).code).toBe(1);
    expect(readdirSync(join(work, "empty"))).toEqual([]);
  });

  it.each([
    "^0.1.0",
    "0.1.0",
    ">=0.1 <1",
    "latest",
    "file:../tesserae-0.1.0.tgz",
    "../tesserae",
    "https://example.org/tesserae-0.1.0.tgz",
    "git+https://github.com/acme/tesserae.git#main",
    "github:acme/tesserae",
  ])("but takes every kind of spec npm takes: %s", (spec) => {
    expect(() => checkFrameworkSpec(spec)).not.toThrow();
  });
});
