import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createMemoryBus, memoryTransport } from "../../src/adapters/memory/index.js";
import {
  createNode,
  entry,
  jsonCodec,
  richJsonCodec,
  service,
  silentLogger,
  type TesseraError,
} from "../../src/index.js";

describe("codecs: values never change silently on the wire", () => {
  it("JSON refuses what it would change, naming the path", () => {
    expect(() => jsonCodec.encode({ at: new Date(0) })).toThrow(/at is a Date/);
    expect(() => jsonCodec.encode({ n: [1, 2n] })).toThrow(/n\[1\] is a BigInt/);
    expect(() => jsonCodec.encode({ m: new Map() })).toThrow(/m is a Map/);
    expect(() => jsonCodec.encode({ x: { y: Number.NaN } })).toThrow(/x.y is NaN/);
    expect(() => jsonCodec.encode({ items: [{ a: 1 }, { at: new Date(0) }] })).toThrow(
      "items[1].at is a Date, which JSON turns into a string: send an ISO string, or use richJsonCodec",
    );
    expect(() => jsonCodec.encode([[new Set()]])).toThrow("[0][0] is a Set, which JSON turns into {}");
    expect(() => jsonCodec.encode(Number.POSITIVE_INFINITY)).toThrow(
      "value is Infinity, which JSON turns into null",
    );
    expect(jsonCodec.decode(jsonCodec.encode({ a: [1, "b", null, { c: true }] }))).toEqual({
      a: [1, "b", null, { c: true }],
    });
  });

  it("rich JSON round-trips Date and BigInt", () => {
    const value = {
      at: new Date("2024-05-01T10:00:00.000Z"),
      big: 12345678901234567890n,
      list: [new Date(0)],
    };
    const back = richJsonCodec.decode(richJsonCodec.encode(value)) as typeof value;
    expect(back.at).toBeInstanceOf(Date);
    expect(back.at.toISOString()).toBe("2024-05-01T10:00:00.000Z");
    expect(back.big).toBe(12345678901234567890n);
    expect(back.list[0]).toEqual(new Date(0));
  });

  const clock = service("clock", {
    entries: {
      now: entry({ input: z.object({ at: z.date().optional() }) }, ({ at }) => ({ at: at ?? new Date(0) })),
    },
  });

  async function pair(codec = jsonCodec) {
    const bus = createMemoryBus();
    const server = createNode({
      services: [clock],
      transport: memoryTransport({ bus }),
      logger: silentLogger,
      codec,
    });
    const caller = createNode({
      services: [clock],
      run: [],
      transport: memoryTransport({ bus }),
      logger: silentLogger,
      codec,
    });
    await server.start();
    await caller.start();
    return { caller, stop: () => Promise.all([caller.stop(), server.stop()]) };
  }

  it("a remote call with a Date fails clearly with JSON, and round-trips with rich JSON", async () => {
    const json = await pair();
    const input = await json.caller.call(clock.entries.now, { at: new Date(0) }).catch((e: unknown) => e);
    expect((input as TesseraError).code).toBe("TESSERA_BAD_REQUEST");
    expect((input as TesseraError).message).toMatch(/at is a Date/);
    const output = await json.caller.call(clock.entries.now, {}).catch((e: unknown) => e);
    expect((output as TesseraError).code).toBe("TESSERA_INTERNAL");
    await json.stop();

    const rich = await pair(richJsonCodec);
    const { at } = await rich.caller.call(clock.entries.now, { at: new Date(5) });
    expect(at).toEqual(new Date(5));
    await rich.stop();
  });
});
