import { describe, expect, it } from "vitest";
import { z } from "zod";
import { entry } from "../../src/core/entry.js";
import { inputFingerprint } from "../../src/core/input-fingerprint.js";
import { service } from "../../src/core/service.js";
import { createMemoryBus, failsWith, useNodes } from "./fixtures.js";

function nested(levels: number): unknown {
  let a: unknown[] = [];
  for (let i = 0; i < levels; i++) a = [a];
  return a;
}

describe("the fingerprint of an idempotent call's input", () => {
  it("exists for any input: 100,000 levels deep, non-finite numbers, Dates, BigInts, cycles", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    for (const v of [
      nested(100_000),
      Number.POSITIVE_INFINITY,
      Number.NaN,
      new Date(0),
      10n,
      cycle,
      undefined,
    ])
      expect(inputFingerprint(v)).toMatch(/^[\w-]{43}$/);
  });

  it("is the same for the same input, whatever the order of its keys", () => {
    expect(inputFingerprint({ a: 1, b: [1, "x"] })).toBe(inputFingerprint({ b: [1, "x"], a: 1 }));
  });

  it("differs for different inputs, including ones JSON would write alike", () => {
    const values: unknown[] = [
      { a: 1 },
      { a: 2 },
      { a: "1" },
      { a: [1] },
      { a: null },
      { a: Number.POSITIVE_INFINITY },
      { a: Number.NaN },
      { ab: "" },
      { a: "b" },
      [["a"], []],
      [["a", []]],
      new Date(0),
      new Date(1),
      {},
    ];
    expect(new Set(values.map(inputFingerprint)).size).toBe(values.length);
  });
});

describe("an input too deep to send to another node", () => {
  const startNode = useNodes();

  it("is refused as 'input too deeply nested', not with the encoder's stack overflow", async () => {
    const svc = service("deep", {
      entries: { take: entry({ input: z.object({ n: z.number() }) }, ({ n }) => n) },
    });
    const bus = createMemoryBus();
    await startNode({ bus, services: [svc] });
    const caller = await startNode({ bus, services: [svc], run: [] });
    const input = { n: 1, extra: nested(20_000) };
    const err = await failsWith(caller.call(svc.entries.take, input), "TESSERA_BAD_REQUEST");
    expect(err.message).toMatch(/input too deeply nested/);
    expect(err.message).not.toMatch(/call stack/);
  });
});
