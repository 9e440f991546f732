import { describe, expect, it } from "vitest";
import { type OptionSpec, parseArgs } from "../../src/cli/args.js";

const specs: OptionSpec[] = [
  { name: "out", short: "o", type: "string", description: "" },
  { name: "port", type: "number", description: "" },
  { name: "json", type: "boolean", description: "" },
  { name: "set", type: "string", multiple: true, description: "" },
];

describe("parseArgs", () => {
  it("reads --name value, --name=value, -x value, flags and positionals in any order", () => {
    const { options, positionals } = parseArgs(
      ["text.upper", "--port", "8080", '{"a":1}', "-o", "x.json", "--json", "--set=a=1", "--set", "b=2"],
      specs,
      "call",
    );
    expect(options).toEqual({ port: 8080, out: "x.json", json: true, set: ["a=1", "b=2"] });
    expect(positionals).toEqual(["text.upper", '{"a":1}']);
  });

  it("negates a flag with --no-, and takes everything after -- as positionals", () => {
    expect(parseArgs(["--no-json", "--", "--port", "-x"], specs, "x")).toEqual({
      options: { json: false },
      positionals: ["--port", "-x"],
    });
  });

  it("keeps - (stdin) and negative numbers as values", () => {
    expect(parseArgs(["-", "--port", "-1"], specs, "x").positionals).toEqual(["-"]);
    expect(parseArgs(["--port", "-1"], specs, "x").options.port).toBe(-1);
  });

  it("refuses unknown options, missing values and bad numbers with one clear message", () => {
    expect(() => parseArgs(["--nope"], specs, "routes")).toThrow(
      "unknown option --nope (see tesserae routes --help)",
    );
    expect(() => parseArgs(["--out"], specs, "x")).toThrow("--out needs a value");
    expect(() => parseArgs(["--port", "http"], specs, "x")).toThrow('--port expects a number, got "http"');
    expect(() => parseArgs(["--json=maybe"], specs, "x")).toThrow("--json expects true or false");
  });
});

// The cases node:util parseArgs reads otherwise (why args.ts is not built on it).
describe("parseArgs, where node:util parseArgs differs", () => {
  it("does not take the next option as a missing value", () => {
    expect(() => parseArgs(["--out", "--json"], specs, "x")).toThrow("--out needs a value");
  });

  it("keeps a negative number as a positional", () => {
    expect(parseArgs(["call", "-1"], specs, "x").positionals).toEqual(["call", "-1"]);
  });

  it("reads --no-flag and a flag's true/false value", () => {
    expect(parseArgs(["--no-json"], specs, "x").options.json).toBe(false);
    expect(parseArgs(["--json=false"], specs, "x").options.json).toBe(false);
  });
});
