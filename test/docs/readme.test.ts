import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { httpStatusOf } from "../../src/features/gateway/index.js";
import { errorCatalogue } from "../../src/index.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("starts with the two commands of a newcomer", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme.split("\n").slice(0, 10).join("\n"))?.[1] ?? "";
    expect(firstBlock).toContain("npm install && npm start");
    expect(firstBlock).toContain("npm test");
  });

  it("lists the error catalogue exactly as the code defines it", () => {
    const table =
      /<!-- error-catalogue:start -->\n([\s\S]*?)<!-- error-catalogue:end -->/.exec(readme)?.[1] ?? "";
    const rows = table
      .trim()
      .split("\n")
      .slice(2)
      .map((line) => line.split("|").map((c) => c.trim()));
    const documented = rows.map(([, code, status, retryable, meaning]) => ({
      code,
      status,
      retryable,
      meaning,
    }));
    const actual = Object.entries(errorCatalogue).map(([code, v]) => ({
      code: `\`${code}\``,
      status: String(httpStatusOf[code as keyof typeof httpStatusOf]),
      retryable: v.retryable ? "yes" : "no",
      meaning: v.description,
    }));
    expect(documented).toEqual(actual);
  });

  // Guide snippets are files that the type check compiles; the README must show them verbatim.
  const snippets = [...readme.matchAll(/<!-- snippet: (\S+) -->\n```ts\n([\s\S]*?)```/g)];
  it("has guide snippets", () => expect(snippets.length).toBeGreaterThan(3));
  it.each(snippets.map((m) => [m[1]!, m[2]!]))("shows %s as it is", (path, code) => {
    expect(code).toBe(readFileSync(new URL(`../../${path}`, import.meta.url), "utf8"));
  });
});
