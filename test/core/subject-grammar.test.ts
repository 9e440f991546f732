import { describe, expect, it } from "vitest";
import { isValidPattern, isValidSubject, subjectMatches } from "../../src/core/subject-grammar.js";

describe("subjectMatches", () => {
  it.each([
    ["a.b", "a.b", true],
    ["a.b", "a.c", false],
    ["a.b", "a.b.c", false],
    ["a.b.c", "a.b", false],
    ["a.*", "a.b", true],
    ["a.*", "a", false],
    ["a.*", "a.b.c", false],
    ["*.b", "a.b", true],
    ["*", "a", true],
    ["*", "a.b", false],
    ["a.*.c", "a.x.c", true],
    ["a.*.c", "a.x.y.c", false],
    ["a.>", "a.b", true],
    ["a.>", "a.b.c.d", true],
    ["a.>", "a", false],
    [">", "a", true],
    [">", "a.b.c", true],
    ["*.>", "a", false],
    ["*.>", "a.b", true],
    ["a.*.>", "a.b", false],
    ["a.*.>", "a.b.c", true],
    ["ab", "a", false],
    ["a", "ab", false],
  ] as const)("%s on %s → %s", (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe("isValidSubject", () => {
  it.each(["a", "a.b", "tessera.svc.text.upper", "a-b_c.9"])("accepts %s", (s) => {
    expect(isValidSubject(s)).toBe(true);
  });
  it.each(["", "a.", ".a", "a..b", "a.*", "a.>", "a b", "a.b\t"])("refuses %j", (s) => {
    expect(isValidSubject(s)).toBe(false);
  });
});

describe("isValidPattern", () => {
  it.each(["a", "a.*", "*.b", "a.>", ">", "*.*.>"])("accepts %s", (p) => {
    expect(isValidPattern(p)).toBe(true);
  });
  it.each(["", "a.", "a..b", "a.>.b", ">.a", "a*", "a>", "a. b"])("refuses %j", (p) => {
    expect(isValidPattern(p)).toBe(false);
  });
});
