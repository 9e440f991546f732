import { describe, expect, it } from "vitest";
import { parseCpuList, pinningFor } from "../../bench/lib/pinning.js";

describe("bench pinning", () => {
  it("never puts a peer's other process on the server's CPU", () => {
    expect(pinningFor([0, 1, 2, 3])).toMatchObject({
      server: ["taskset", "-c", "0"],
      load: ["taskset", "-c", "1"],
      peer: "2",
    });
    const two = pinningFor(parseCpuList("0-1"));
    expect(two.peer).toBe("1");
    expect(two.note).toContain("on CPU 1 (shared with the load generator)");
    expect(pinningFor([3])).toMatchObject({ server: [], load: [], peer: "" });
  });

  it("reads taskset's CPU lists", () => {
    expect(parseCpuList("0-3,6")).toEqual([0, 1, 2, 3, 6]);
  });
});
