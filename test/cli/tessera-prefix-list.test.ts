// The README's one list of what keeps the short `tessera` prefix after the rename to `tesserae`.
// An outside user found it leaving out the default PostgreSQL schema and the Lambda event field.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("the README's list of names that keep the tessera prefix", () => {
  it("names the default PostgreSQL schema tessera and the Lambda event field (it left both out)", () => {
    const start = readme.indexOf("The package and its executable are `tesserae`");
    const list = readme.slice(start, readme.indexOf("prefix.", start));
    expect(list).toContain("PostgreSQL schema (`tessera`)");
    expect(list).toContain('`{"tessera":"async"|"result"}`');
  });
});
