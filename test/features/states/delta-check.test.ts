import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checksKeysAlone } from "../../../src/features/states/delta-check.js";

describe("checksKeysAlone: when a delta may be checked by its keys alone", () => {
  it("is true for a map, whose keys are checked each on its own", () => {
    expect(checksKeysAlone(z.record(z.string(), z.number()))).toBe(true);
    expect(checksKeysAlone(z.record(z.string(), z.object({ bid: z.number(), ask: z.number() })))).toBe(true);
  });

  it("is false for declared properties, required keys or bounds on the whole object", () => {
    expect(checksKeysAlone(z.object({ n: z.number() }))).toBe(false);
    expect(checksKeysAlone(z.object({ n: z.number() }).catchall(z.string()))).toBe(false);
    expect(checksKeysAlone(z.string())).toBe(false);
  });
});
