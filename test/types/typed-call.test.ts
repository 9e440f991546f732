import {
  type Context,
  createNode,
  type EntryRef,
  entry,
  event,
  service,
  silentLogger,
  subscribe,
} from "tesserae";
import { memoryTransport } from "tesserae/memory";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { pipeline, text } from "../../examples/text/services.js";

// Type-level tests: `tsc -p tsconfig.json` runs over this file before the tests, so a
// `@ts-expect-error` that no longer meets an error fails CI. The calls also run, to show that
// what the compiler refuses is refused at run time as well.

const Query = z.object({ limit: z.coerce.number().int().default(10), tag: z.string().optional() });
const Length = z.string().transform((s) => s.length);

const shapes = service("shapes", {
  entries: {
    // The handler's input comes from the input schema's output type (defaults applied, transforms done).
    list: entry({ input: Query }, (q) => {
      expectTypeOf(q).toEqualTypeOf<{ limit: number; tag?: string | undefined }>();
      return { items: [] as string[], limit: q.limit };
    }),
    measure: entry({ input: Length, output: z.object({ length: z.number() }) }, (length) => {
      expectTypeOf(length).toEqualTypeOf<number>();
      return { length };
    }),
    ping: entry(() => "pong" as const),
    nothing: entry({ input: z.object({ id: z.string() }) }, () => undefined),
    later: entry(async () => ({ at: 1 })),
  },
});

describe("typed calls", () => {
  const node = createNode({
    services: [text, pipeline, shapes],
    transport: memoryTransport(),
    logger: silentLogger,
  });
  beforeAll(() => node.start());
  afterAll(() => node.stop());

  it("infers the result from the output schema", async () => {
    const out = await node.call(text.entries.upper, { message: "hi" });
    expectTypeOf(out).toEqualTypeOf<{ message: string }>();
    expect(out).toEqual({ message: "HI" });
    expectTypeOf(node.call(text.entries.spaces, { message: "a b" })).resolves.toEqualTypeOf<{
      count: number;
    }>();
  });

  it("infers the result from the handler when there is no output schema", async () => {
    const listed = await node.call(shapes.entries.list, {});
    expectTypeOf(listed).toEqualTypeOf<{ items: string[]; limit: number }>();
    expect(listed).toEqual({ items: [], limit: 10 });
    expectTypeOf(await node.call(shapes.entries.ping)).toEqualTypeOf<"pong">();
    expectTypeOf(await node.call(shapes.entries.later)).toEqualTypeOf<{ at: number }>();
    expectTypeOf(await node.call(shapes.entries.nothing, { id: "x" })).toEqualTypeOf<undefined>();
  });

  it("takes the schema's input type from callers (before defaults and transforms)", async () => {
    expect(await node.call(shapes.entries.measure, "four")).toEqual({ length: 4 });
    // @ts-expect-error the caller passes the input type (string), not the parsed one (number)
    await expect(node.call(shapes.entries.measure, 4)).rejects.toMatchObject({ code: "TESSERA_VALIDATION" });
    expect(await node.call(shapes.entries.list, { limit: 3 })).toEqual({ items: [], limit: 3 });
    expectTypeOf(shapes.entries.list).toEqualTypeOf<
      EntryRef<{ limit?: unknown; tag?: string | undefined }, { items: string[]; limit: number }>
    >();
  });

  it("refuses a wrong input type at compile time", async () => {
    // @ts-expect-error message must be a string
    const wrong = node.call(text.entries.upper, { message: 5 });
    await expect(wrong).rejects.toMatchObject({ code: "TESSERA_VALIDATION" });
  });

  it("refuses a missing required field or a missing input at compile time", async () => {
    // @ts-expect-error message is required
    const missingField = node.call(text.entries.upper, {});
    await expect(missingField).rejects.toMatchObject({ code: "TESSERA_VALIDATION" });
    // @ts-expect-error the input is required
    const missingInput = node.call(text.entries.upper);
    await expect(missingInput).rejects.toMatchObject({ code: "TESSERA_VALIDATION" });
  });

  it("calls an entry with no input with no argument", async () => {
    expect(await node.call(shapes.entries.ping)).toBe("pong");
    expect(await node.call(shapes.entries.ping, undefined, { timeout: 1000 })).toBe("pong");
    // @ts-expect-error an entry without input schema takes no input
    await expect(node.call(shapes.entries.ping, { x: 1 })).rejects.toMatchObject({
      code: "TESSERA_BAD_REQUEST",
    });
  });

  it("types ctx.call inside a handler the same way", async () => {
    const composer = service("composer", {
      entries: {
        run: entry(async (_input, ctx) => {
          const up = await ctx.call(text.entries.upper, { message: "x" });
          expectTypeOf(up).toEqualTypeOf<{ message: string }>();
          expectTypeOf(await ctx.call(shapes.entries.ping)).toEqualTypeOf<"pong">();
          // @ts-expect-error wrong input inside a handler too
          const bad = ctx.call(text.entries.reverse, { text: "x" });
          return {
            up,
            bad: await bad.then(
              () => "accepted",
              (e: { code: string }) => e.code,
            ),
          };
        }),
      },
    });
    const local = createNode({
      services: [text, shapes, composer],
      transport: memoryTransport(),
      logger: silentLogger,
    });
    await local.start();
    try {
      expect(await local.call(composer.entries.run)).toEqual({
        up: { message: "X" },
        bad: "TESSERA_VALIDATION",
      });
    } finally {
      await local.stop();
    }
  });
});

describe("typed definitions", () => {
  it("checks a handler's result against the output schema", () => {
    const Message = z.object({ message: z.string() });
    // @ts-expect-error the handler must return the output schema's input type
    entry({ input: Message, output: Message }, () => ({ msg: "x" }));
    entry({ input: Message, output: Message }, async ({ message }) => ({ message }));
    expect(true).toBe(true);
  });

  it("gives handlers a Context", () => {
    entry((_input, ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<Context>();
      expectTypeOf(_input).toEqualTypeOf<undefined>();
    });
    expect(true).toBe(true);
  });

  it("types event payloads for emitters and subscribers", async () => {
    const placed = event("order.placed", z.object({ id: z.number(), at: z.coerce.date() }));
    subscribe(placed, (payload) => {
      expectTypeOf(payload).toEqualTypeOf<{ id: number; at: Date }>();
    });
    const node = createNode({ services: [], transport: memoryTransport(), logger: silentLogger });
    await node.start();
    try {
      await node.emit(placed, { id: 1, at: "2024-01-01" });
      // @ts-expect-error id must be a number
      await expect(node.emit(placed, { id: "1", at: "2024-01-01" })).rejects.toMatchObject({
        code: "TESSERA_VALIDATION",
      });
    } finally {
      await node.stop();
    }
  });
});
