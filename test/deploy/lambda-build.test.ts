import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { text } from "../../examples/text/services.js";
import type { ServiceDef } from "../../src/core/service.js";
import { buildLambdas } from "../../src/deploy/lambda-build.js";
import { entrySource, planEntry } from "../../src/deploy/lambda-entry.js";
import { zip } from "../../src/deploy/zip.js";
import { rewriteZodImport } from "../../src/deploy/zod-namespace-plugin.js";
import { readZip } from "../adapters/lambda/fixtures/read-zip.js";

describe("zip", () => {
  const files = [
    { name: "index.mjs", data: Buffer.from("export const handler = () => 1;\n".repeat(50)) },
    { name: "lib/ü.bin", data: new Uint8Array([0, 1, 2, 254, 255]) },
  ];

  it("holds the files as given, deflated", () => {
    const archive = zip(files);
    const read = readZip(archive);
    expect([...read.keys()]).toEqual(["index.mjs", "lib/ü.bin"]);
    expect(read.get("index.mjs")).toEqual(files[0]?.data);
    expect(new Uint8Array(read.get("lib/ü.bin")!)).toEqual(files[1]?.data);
    expect(archive.length).toBeLessThan(files[0]!.data.length);
  });

  it("is reproducible: the same files make the same bytes (a stable source_code_hash)", () => {
    expect(zip(files).equals(zip(files))).toBe(true);
  });
});

describe("the zod import rewrite", () => {
  it("turns a named z import into a namespace import, and nothing else", () => {
    expect(rewriteZodImport('import { z } from "zod";')).toBe('import * as z from "zod";');
    expect(rewriteZodImport("import {z} from 'zod/v4'")).toBe("import * as z from 'zod/v4'");
    for (const untouched of [
      'import { z, ZodError } from "zod";',
      'import { z } from "zod/mini";',
      'import * as z from "zod";',
      'import { object } from "zod";',
      'const s = "import { z } from zod";',
    ])
      expect(rewriteZodImport(untouched)).toBe(untouched);
  });
});

describe("buildLambdas", () => {
  it("generates an entry from the service modules with the settings as data, or from the project file", () => {
    const modules = entrySource(
      { kind: "modules", modules: ["/p/a.ts", "/p/c.ts"], settings: { gateway: { bodyLimit: 10 } } },
      ["a", "c"],
      "a",
      "/t/lambda-runtime.js",
    );
    expect(modules).not.toContain("tesserae.config");
    expect(modules).toContain('const config = {"gateway":{"bodyLimit":10}};');
    expect(modules).toContain('import * as m0 from "/p/a.ts";\nimport * as m1 from "/p/c.ts";');
    expect(modules).toContain(
      'export const handler = projectLambda({ config, modules: [m0, m1], services: ["a","c"], service: "a" });',
    );
    const config = entrySource(
      { kind: "config", configFile: "/p/tesserae.config.ts", modules: [] },
      ["a"],
      "a",
      "/t/lambda-runtime.js",
    );
    expect(config).toContain('import config from "/p/tesserae.config.ts";');
  });

  it("plans the service modules alone when it finds them and the settings are data", async () => {
    const esbuild = await import("esbuild");
    const configFile = fileURLToPath(
      new URL("../adapters/lambda/fixtures/tesserae.config.ts", import.meta.url),
    );
    const { default: config } = (await import(configFile)) as { default: { services: ServiceDef[] } };
    const project = { configFile, services: config.services, config };
    const plan = await planEntry(project, esbuild);
    expect(plan).toMatchObject({
      kind: "modules",
      modules: [expect.stringMatching(/fixtures\/services\.ts$/)],
    });
    // Code in the settings (an authorizer), or an unknown project file: the whole project file.
    const withCode = { ...config, gateway: { authorize: () => true } };
    expect((await planEntry({ ...project, config: withCode }, esbuild)).kind).toBe("config");
    expect((await planEntry({ configFile, services: config.services }, esbuild)).kind).toBe("config");
  });

  it("refuses a service the project does not have", async () => {
    await expect(
      buildLambdas(
        { root: "/p", configFile: "/p/tesserae.config.ts", services: [text] },
        { services: ["nope"] },
      ),
    ).rejects.toMatchObject({
      code: "TESSERA_CONFIG",
      message: "unknown service nope (the project has text)",
    });
  });

  it("refuses a function that does not load (a name a TypeScript module re-exports but lacks)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tesserae-build-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const services = fileURLToPath(new URL("../../examples/text/services.ts", import.meta.url));
    // esbuild cannot tell a missing re-export from a type: `b` silently becomes undefined.
    writeFileSync(join(dir, "lib.ts"), "export const a = () => 1;\n");
    writeFileSync(join(dir, "index.ts"), 'export { a, b } from "./lib.js";\n');
    writeFileSync(
      join(dir, "tesserae.config.ts"),
      `import { text } from ${JSON.stringify(services)};\nimport { b } from "./index.js";\nexport default { services: [text], extra: b() };\n`,
    );
    await expect(
      buildLambdas(
        { root: dir, configFile: join(dir, "tesserae.config.ts"), services: [text] },
        { outDir: dir },
      ),
    ).rejects.toMatchObject({
      code: "TESSERA_CONFIG",
      message: expect.stringMatching(
        /^the function of text does not load \(exit 1\): (TypeError|ReferenceError): /,
      ),
    });
  });

  it("refuses an import with no matching export", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tesserae-build-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const services = fileURLToPath(new URL("../../examples/text/services.ts", import.meta.url));
    writeFileSync(
      join(dir, "tesserae.config.ts"),
      `import { text, txet } from ${JSON.stringify(services)};\nexport default { services: [text, txet] };\n`,
    );
    await expect(
      buildLambdas(
        { root: dir, configFile: join(dir, "tesserae.config.ts"), services: [text] },
        { outDir: dir },
      ),
    ).rejects.toMatchObject({
      code: "TESSERA_CONFIG",
      message: expect.stringMatching(
        /bundling the function of text failed:\n .*No matching export .* for import "txet"/,
      ),
    });
  });

  it("says which module failed to bundle", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "tesserae-build-"));
    onTestFinished(() => rmSync(outDir, { recursive: true, force: true }));
    await expect(
      buildLambdas(
        { root: "/nowhere", configFile: "/nowhere/tesserae.config.ts", services: [text] },
        { outDir },
      ),
    ).rejects.toMatchObject({
      code: "TESSERA_CONFIG",
      message: expect.stringContaining("bundling the function of text failed"),
    });
  });
});
