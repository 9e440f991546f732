import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCliCaptured } from "../support/cli.js";

// The CLI in-process on the guide's project (examples/guide/tesserae.config.ts); the built CLI in
// real processes is tested by cli.e2e.test.ts.

const cli = (...argv: string[]) => runCliCaptured([...argv, "--config", "examples/guide/tesserae.config.ts"]);

const key = "TRANSLATE_API_KEY=0123456789abcdefghij";

// A project's settings are copied into process.env, as a real run does: undo it after each test.
const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("the CLI on the guide's project", () => {
  it("loads services from module paths and lists their routes", async () => {
    const { code, stdout } = await cli("routes", "--json");
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { entry: string }[]).map((r) => r.entry)).toEqual([
      "text.upper",
      "text.reverse",
      "text.spaces",
      "pipeline.process",
      "translate.toFrench",
    ]);
  });

  it("runs a project command with its stage's option defaults", async () => {
    expect(await cli("shout", "--set", key)).toEqual({ code: 0, stdout: "HELLO\n", stderr: "" });
    expect((await cli("shout", "--stage", "prod", "--message", "hi", "--set", key)).stdout).toBe(
      "HI HI HI\n",
    );
  });

  it("refuses to run services whose config is incomplete, naming the key and its variable", async () => {
    const { code, stderr } = await cli("shout");
    expect(code).toBe(1);
    expect(stderr).toBe(
      "tesserae: invalid configuration, 1 problem:\n  translate.apiKey: required, not set (env TRANSLATE_API_KEY)\n",
    );
  });

  it("shows settings with their source, the store's password masked", async () => {
    const { stdout } = await cli(
      "config",
      "--json",
      "--stage",
      "prod",
      "--set",
      key,
      "--set",
      "translate.maxLength=200",
    );
    const shown = JSON.parse(stdout);
    expect(shown.settings).toEqual({
      transport: "memory",
      store: "postgres://tessera@db.internal/tessera",
      port: 3000,
      host: "0.0.0.0",
    });
    expect(shown.keys).toEqual([
      { path: "translate.apiKey", env: "TRANSLATE_API_KEY", source: "--set", secret: true },
      {
        path: "translate.endpoint",
        env: "TRANSLATE_ENDPOINT",
        source: "default",
        secret: false,
        value: "https://translate.example.com",
      },
      {
        path: "translate.maxLength",
        env: "TRANSLATE_MAX_LENGTH",
        source: "--set",
        secret: false,
        value: 200,
      },
    ]);
  });

  // Regression: a schema's `.default(5000)` was shown as `unset`; a relative store's file was not said.
  it("shows a schema's default as a default, and the store's file beside the project file", async () => {
    const { stdout } = await cli("config", "--set", key);
    expect(stdout).toMatch(/^translate\.maxLength\s+TRANSLATE_MAX_LENGTH\s+5000\s+default$/m);
    expect(stdout).toMatch(
      /^store\s+sqlite:\.tesserae\/dev\.db \(file examples\/guide\/\.tesserae\/dev\.db\)$/m,
    );
    const shown = JSON.parse((await cli("config", "--json", "--set", key)).stdout);
    expect(shown.settings.storeFile).toBe(resolve("examples/guide/.tesserae/dev.db"));
  });

  it("prints help listing built-in and project commands", async () => {
    const { code, stdout } = await cli("--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/Commands:\n {2}new\s+Create a project/);
    expect(stdout).toMatch(
      /Project commands \(tesserae.config.ts\):\n {2}shout {2}Upper-cases a message, a few times/,
    );
  });
});
