import { describe, expect, it } from "vitest";
import { colorsFor, table, visibleWidth } from "../../src/cli/output.js";

describe("output", () => {
  it("colours a terminal, not a pipe, and never with NO_COLOR", () => {
    expect(colorsFor({ isTTY: true }, {}).enabled).toBe(true);
    expect(colorsFor({ isTTY: false }, {}).enabled).toBe(false);
    expect(colorsFor({}, {}).enabled).toBe(false);
    expect(colorsFor({ isTTY: true }, { NO_COLOR: "1" }).enabled).toBe(false);
    expect(colorsFor({ isTTY: true }, { NO_COLOR: "" }).enabled).toBe(true);
    expect(colorsFor({ isTTY: false }, { FORCE_COLOR: "1" }).enabled).toBe(true);
    expect(colorsFor({ isTTY: true }, { NO_COLOR: "1", FORCE_COLOR: "1" }).enabled).toBe(false);
    expect(colorsFor({ isTTY: false }, {}).red("x")).toBe("x");
    expect(colorsFor({ isTTY: true }, {}).red("x")).toBe("\u001b[31mx\u001b[39m");
  });

  it("aligns columns by what shows, ignoring colour codes", () => {
    const c = colorsFor({ isTTY: true }, {});
    expect(visibleWidth(c.bold("GET"))).toBe(3);
    const out = table([
      ["VERB", "PATH", "ENTRY"],
      [c.bold("GET"), "/text/content", "text.getContent"],
      ["DELETE", "/x", "x.deleteIt"],
    ]);
    const plain = out.replaceAll(c.bold("GET"), "GET").split("\n");
    expect(plain).toEqual([
      "VERB    PATH           ENTRY",
      "GET     /text/content  text.getContent",
      "DELETE  /x             x.deleteIt",
    ]);
  });
});
