import { describe, expect, it } from "vitest";
import { parseDotenv } from "../../src/config/dotenv.js";

describe("parseDotenv", () => {
  it("reads KEY=value lines, skipping comments and blank lines", () => {
    const text = "# settings\n\nPORT=8080\nexport HOST = 0.0.0.0\nEMPTY=\n";
    expect(parseDotenv(text)).toEqual({ PORT: "8080", HOST: "0.0.0.0", EMPTY: "" });
  });

  it("cuts an inline comment of an unquoted value, not a # inside it", () => {
    expect(parseDotenv("A=x # note\nB=a#b\nC=#start")).toEqual({ A: "x", B: "a#b", C: "#start" });
  });

  it("keeps single-quoted values literally and unescapes double-quoted ones", () => {
    const text = `A='hello # \\n world'\nB="line1\\nline2 \\"q\\""\nC="tab\\there" # comment`;
    expect(parseDotenv(text)).toEqual({ A: "hello # \\n world", B: 'line1\nline2 "q"', C: "tab\there" });
  });

  it("lets a double-quoted value span lines", () => {
    expect(parseDotenv('KEY="-----BEGIN\nabc\n-----END"\nNEXT=1')).toEqual({
      KEY: "-----BEGIN\nabc\n-----END",
      NEXT: "1",
    });
  });

  it("does no variable expansion", () => {
    const reference = "$" + "{A}";
    expect(parseDotenv(`A=1\nB=${reference}`)).toEqual({ A: "1", B: reference });
  });

  it("names the file and line of a malformed line", () => {
    expect(() => parseDotenv("A=1\nnot a setting", ".env.prod")).toThrow(
      ".env.prod line 2: expected KEY=value",
    );
    expect(() => parseDotenv('A="open', ".env")).toThrow(".env line 1: unterminated quoted value");
    expect(() => parseDotenv("A='x' y")).toThrow("unexpected text after the quoted value");
  });

  it("handles CRLF files and a byte-order mark", () => {
    expect(parseDotenv("\uFEFFA=1\r\nB=2\r\n")).toEqual({ A: "1", B: "2" });
  });
});
