import { describe, expect, it } from "vitest";
import { parseArgs } from "../../src/cli/args.js";

const specs = [{ name: "port", type: "number", description: "p" }] as const;

describe("extra --key value options (commands that take them)", () => {
  it("keeps unknown long options with their values for the command, in order", () => {
    expect(
      parseArgs(["--rate", "100", "--port", "8080", "--label=x", "--dry", "--count", "3"], specs, "start", {
        extras: true,
      }),
    ).toEqual({
      options: { port: 8080 },
      positionals: [],
      extras: ["--rate", "100", "--label=x", "--dry", "--count", "3"],
    });
  });

  it("still refuses them for the other commands", () => {
    expect(() => parseArgs(["--rate", "100"], specs, "routes")).toThrow(
      "unknown option --rate (see tesserae routes --help)",
    );
  });
});
