// Regression (issue 13 follow-up, finding 5): `tesserae --stage` with no command and no value
// printed the help and exited 0 (`tesserae routes --stage` did say "--stage needs a value"), and a
// stray positional to a command that takes none (`tesserae routes --json extra`) was ignored. Both
// are now one-line argument errors, exit 1 like every other argument error.
import { describe, expect, it } from "vitest";
import { runCliCaptured } from "../support/cli.js";

const cli = (...argv: string[]) => runCliCaptured(argv);

const guide = ["--config", "examples/guide/tesserae.config.ts"];

describe("a CLI argument mistake", () => {
  it("--stage with no command and no value used to print the help and exit 0: it is refused", async () => {
    const { code, stdout, stderr } = await cli("--stage");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toEqual(["tesserae: --stage needs a value <name>"]);
  });

  it("--stage followed by another option used to take that option's value as the command: it is refused", async () => {
    const { code, stderr } = await cli("--stage", ...guide);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("tesserae: --stage needs a value <name>");
  });

  it("a stray positional to a command that takes none used to be ignored: it is refused", async () => {
    const { code, stdout, stderr } = await cli("routes", "--json", "extra", ...guide);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.trim()).toBe(
      'tesserae: routes takes no arguments, got "extra" (see tesserae routes --help)',
    );
  });

  it("still shows the help, the version, and runs commands that take arguments", async () => {
    expect((await cli()).code).toBe(0);
    expect((await cli("--help")).code).toBe(0);
    expect((await cli("--version")).stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect((await cli("--stage", "prod", "--help")).code).toBe(0);
    expect((await cli("routes", "--json", ...guide)).code).toBe(0);
  });
});
