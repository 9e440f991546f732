import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadEnvLayers, parseSets } from "../../src/config/env-layers.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-env-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, ".env"), "A=env\nB=env\nC=env\nD=env\n");
writeFileSync(join(dir, ".env.prod"), "B=stage\nC=stage\nD=stage\n");

describe("execution settings layers", () => {
  it("apply .env, then .env.<stage>, then the process environment, then --set", () => {
    const { env, sources, files } = loadEnvLayers({
      dir,
      stage: "prod",
      processEnv: { C: "process", D: "process" },
      sets: ["D=set"],
    });
    expect(env).toMatchObject({ A: "env", B: "stage", C: "process", D: "set" });
    expect(sources).toMatchObject({ A: ".env", B: ".env.prod", C: "process", D: "--set" });
    expect(files).toEqual([join(dir, ".env"), join(dir, ".env.prod")]);
  });

  it("reads only the files of the stage, and works with none", () => {
    expect(loadEnvLayers({ dir, stage: "dev", processEnv: {} }).env).toEqual({
      A: "env",
      B: "env",
      C: "env",
      D: "env",
    });
    const empty = mkdtempSync(join(tmpdir(), "tesserae-env-"));
    try {
      expect(loadEnvLayers({ dir: empty, stage: "dev", processEnv: { X: "1" } })).toEqual({
        env: { X: "1" },
        sources: { X: "process" },
        files: [],
      });
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it("parses --set pairs, keeping '=' in values and refusing a pair without one", () => {
    expect(parseSets(["a=1", "b=x=y", "c="])).toEqual({ a: "1", b: "x=y", c: "" });
    expect(() => parseSets(["novalue"])).toThrow("--set novalue: expected key=value");
  });
});
