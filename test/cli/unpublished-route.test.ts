// The package is not on npm yet. An outside user found the README's first `npx tesserae new`
// failing with `npm error 404`, the clone route given only in a parenthesis, and every scaffolded
// README linking to https://www.npmjs.com/package/tesserae, a 404 page.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { templatesRoot } from "../../src/cli/template.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("the route to a first project while the package is unpublished", () => {
  it("the README says the package is not published, and gives the clone route, before its first npx tesserae new", () => {
    const firstNew = readme.indexOf("npx tesserae new");
    const unpublished = readme.indexOf("not published on npm yet");
    const cloneRoute = readme.indexOf("npm run tesserae -- new ../my-app");
    expect(unpublished).toBeGreaterThan(-1);
    expect(cloneRoute).toBeGreaterThan(-1);
    expect(unpublished).toBeLessThan(firstNew);
    expect(cloneRoute).toBeLessThan(firstNew);
    expect(readme.slice(cloneRoute - 200, cloneRoute)).toMatch(/git clone .* && npm install/);
  });

  it("no scaffolded README links to the npm page of tesserae (a 404)", () => {
    for (const name of readdirSync(templatesRoot())) {
      const text = readFileSync(join(templatesRoot(), name, "README.md"), "utf8");
      expect(text, name).not.toMatch(/npmjs\.com/);
    }
  });
});
