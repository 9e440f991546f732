// How `tesserae new` makes a project depend on the framework. A scaffold once wrote `^0.1.0` of a
// version the registry did not have, so `npm install` failed with ETARGET: the range is written
// only when the registry serves this version; otherwise the framework is packed into the project.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { frameworkDependency, isSourceCheckout } from "../../src/cli/framework-dependency.js";
import { packageInfo } from "../../src/cli/package-info.js";

const work = mkdtempSync(join(tmpdir(), "tesserae-dependency-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** An installed copy of the framework: a package.json and its built files, no sources. */
function installedPackage(version: string) {
  const root = join(work, `installed-${version}`);
  mkdirSync(join(root, "dist"), { recursive: true });
  writeFileSync(join(root, "dist", "index.js"), "export {};\n");
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "tesserae", version, files: ["dist"] }));
  return { root, version, dependencies: {}, devDependencies: {} };
}

function projectDir(name: string) {
  const dir = join(work, name);
  mkdirSync(dir);
  return dir;
}

describe("the framework dependency of a new project", () => {
  it("is what --tesserae says, without asking the registry", async () => {
    const lookup = () => Promise.reject(new Error("must not be asked"));
    const dep = await frameworkDependency(
      installedPackage("1.0.0"),
      projectDir("explicit"),
      "^1.0.0",
      lookup,
    );
    expect(dep).toEqual({ spec: "^1.0.0", note: "tesserae from ^1.0.0 (--tesserae)" });
  });

  it("is the semver range when the registry has this version, and nothing is packed", async () => {
    const dir = projectDir("published");
    const asked: string[] = [];
    const lookup = async (version: string) => {
      asked.push(version);
      return true;
    };
    const dep = await frameworkDependency(installedPackage("2.3.4"), dir, undefined, lookup);
    expect(asked).toEqual(["2.3.4"]);
    expect(dep.spec).toBe("^2.3.4");
    expect(existsSync(join(dir, "tesserae-2.3.4.tgz"))).toBe(false);
  });

  it.each([
    [false, "the registry has no tesserae@0.9.0"],
    [undefined, "the registry could not be asked for tesserae@0.9.0"],
  ])("packs an installed framework into the project when the registry answers %s", async (answer, why) => {
    const dir = projectDir(`unpublished-${String(answer)}`);
    const pkg = installedPackage("0.9.0");
    const dep = await frameworkDependency(pkg, dir, undefined, async () => answer);
    expect(dep.spec).toBe("file:tesserae-0.9.0.tgz");
    expect(dep.note).toContain(why);
    expect(existsSync(join(dir, "tesserae-0.9.0.tgz"))).toBe(true);
  });

  it("tells a source checkout (this repository) from an installed package", () => {
    expect(isSourceCheckout(packageInfo())).toBe(true);
    expect(isSourceCheckout(installedPackage("3.0.0"))).toBe(false);
  });
});
