import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonSchemaOf } from "../../../src/core/schema.js";
import { jsonWriterOf } from "../../../src/features/gateway/json-writer.js";
import { entry, service } from "../../../src/index.js";
import { gatewayFor } from "./fixtures.js";

const writerFor = (schema: z.ZodType) => jsonWriterOf(jsonSchemaOf(schema, "output"));

const Order = z.object({
  id: z.string(),
  qty: z.number().int(),
  price: z.number(),
  paid: z.boolean(),
  note: z.string().optional(),
  coupon: z.string().nullable(),
  tags: z.array(z.string()),
  lines: z.array(z.object({ sku: z.string(), n: z.number() })),
  ship: z.object({ city: z.string(), at: z.enum(["am", "pm"]).optional() }),
});

// Strings with quotes, backslashes, control characters, lone surrogates, emoji and U+2028.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom('"', "\\", "\n\t\u0000", "\ud800", "a\udc00b", "😀", "\u2028", ""),
);
const num = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 1e21, 5e-7));

const order = fc.record(
  {
    id: text,
    qty: fc.integer(),
    price: num,
    paid: fc.boolean(),
    note: text,
    coupon: fc.option(text, { nil: null }),
    tags: fc.array(text, { maxLength: 4 }),
    lines: fc.array(fc.record({ sku: text, n: num, extra: text }), { maxLength: 3 }),
    ship: fc.record(
      { city: text, at: fc.constantFrom("am" as const, "pm" as const) },
      { requiredKeys: ["city"] },
    ),
    unknown: text,
  },
  { requiredKeys: ["id", "qty", "price", "paid", "coupon", "tags", "lines", "ship"] },
);

describe("JSON writers from output schemas", () => {
  it("write exactly what JSON.stringify writes of zod's parsed output (property-based)", () => {
    const write = writerFor(Order)!;
    expect(write).toBeDefined();
    fc.assert(
      fc.property(order, (value) => {
        const parsed = Order.parse(value);
        expect(write(parsed)).toBe(JSON.stringify(parsed));
      }),
      { numRuns: 500 },
    );
  });

  it("answer undefined for a value of another shape (the caller falls back to JSON.stringify)", () => {
    const write = writerFor(z.object({ n: z.number(), s: z.string(), a: z.array(z.boolean()) }))!;
    expect(write({ n: 1, s: "x", a: [true] })).toBe('{"n":1,"s":"x","a":[true]}');
    for (const bad of [
      { n: "1", s: "x", a: [] },
      { n: Number.POSITIVE_INFINITY, s: "x", a: [] },
      { n: 1, s: 2, a: [] },
      { n: 1, s: "x", a: [1] },
      { n: 1, s: "x", a: "no" },
      { n: 1, s: "x", a: [], toJSON: () => "custom" },
      [1],
      null,
      "text",
    ])
      expect(write(bad)).toBeUndefined();
  });

  it("are not made for shapes they cannot write exactly", () => {
    for (const schema of [
      z.looseObject({ a: z.string() }),
      z.record(z.string(), z.number()),
      z.union([z.string(), z.number()]),
      z.object({ 1: z.string(), a: z.string() }),
      z.object({ any: z.unknown() }),
    ])
      expect(writerFor(schema)).toBeUndefined();
    expect(jsonWriterOf(undefined)).toBeUndefined();
  });

  it("serve the gateway's answers: the same bytes, and JSON.stringify for what does not fit", async () => {
    const Out = z.object({ ok: z.boolean(), name: z.string() });
    const svc = service("w", {
      entries: {
        get: entry({ output: Out }, () => ({ name: 'A "quoted" name', ok: true, dropped: 1 })),
        getLoose: entry({ output: z.looseObject({ ok: z.boolean() }) }, () => ({ ok: true, kept: 1 })),
      },
    });
    const g = gatewayFor([svc]);
    const res = await g.client.get("/w");
    expect(res.text).toBe('{"ok":true,"name":"A \\"quoted\\" name"}');
    expect((await g.client.get("/w/loose")).text).toBe('{"ok":true,"kept":1}');
  });
});
