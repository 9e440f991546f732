import { describe, expect, it } from "vitest";
import { z } from "zod";
import { pipeline, text } from "../../examples/text/services.js";
import { entry } from "../../src/core/entry.js";
import { service } from "../../src/core/service.js";
import { createMemoryBus, failsWith, useNodes } from "./fixtures.js";

describe("typed calls on one node", () => {
  const startNode = useNodes();

  it("calls a local entry and gets its validated result", async () => {
    const node = await startNode({ services: [text] });
    expect(await node.call(text.entries.upper, { message: "hello" })).toEqual({ message: "HELLO" });
    expect(await node.call(text.entries.spaces, { message: "a b c" })).toEqual({ count: 2 });
  });

  it("composes entries with ctx.call", async () => {
    const node = await startNode({ services: [text, pipeline] });
    expect(await node.call(pipeline.entries.process, { message: "hello world" })).toEqual({
      message: "DLROW OLLEH",
      count: 1,
    });
  });

  it("calls an entry with no input without an argument, and refuses an input it does not take", async () => {
    const clock = service("clock", { entries: { now: entry(() => ({ at: 42 })) } });
    const node = await startNode({ services: [clock] });
    expect(await node.call(clock.entries.now)).toEqual({ at: 42 });
    expect(await node.call(clock.entries.now, undefined)).toEqual({ at: 42 });
    const err = await failsWith(node.call(clock.entries.now, { x: 1 } as never), "TESSERA_BAD_REQUEST");
    expect(err.message).toContain("clock.now");
  });

  it("returns undefined for a handler that returns nothing", async () => {
    const sink = service("sink", {
      entries: { put: entry({ input: z.object({ v: z.number() }) }, () => undefined) },
    });
    const node = await startNode({ services: [sink] });
    expect(await node.call(sink.entries.put, { v: 1 })).toBeUndefined();
  });

  it("refuses a service given twice", async () => {
    await expect(startNode({ services: [text, text] })).rejects.toMatchObject({ code: "TESSERA_DEFINITION" });
  });
});

describe("typed calls across two nodes on one bus", () => {
  const startNode = useNodes();

  it("runs pipeline on node A and text on node B", async () => {
    const bus = createMemoryBus();
    const b = await startNode({ bus, services: [text] });
    const a = await startNode({ bus, services: [pipeline] });
    expect(await a.call(pipeline.entries.process, { message: "hello world" })).toEqual({
      message: "DLROW OLLEH",
      count: 1,
    });
    expect(await a.call(text.entries.reverse, { message: "abc" })).toEqual({ message: "cba" });
    await b.stop();
    await failsWith(a.call(pipeline.entries.process, { message: "hello world" }), "TESSERA_UNAVAILABLE");
  });

  it("calls a remote entry that takes no input and one that returns nothing", async () => {
    const bus = createMemoryBus();
    const misc = service("misc", {
      entries: {
        ping: entry(() => "pong"),
        forget: entry({ input: z.object({ k: z.string() }) }, () => undefined),
      },
    });
    await startNode({ bus, services: [misc] });
    const a = await startNode({ bus, services: [] });
    expect(await a.call(misc.entries.ping)).toBe("pong");
    expect(await a.call(misc.entries.forget, { k: "x" })).toBeUndefined();
  });

  it("validates the input on the serving node and names the field", async () => {
    const bus = createMemoryBus();
    await startNode({ bus, services: [text] });
    const a = await startNode({ bus, services: [] });
    const err = await failsWith(a.call(text.entries.upper, { message: 5 } as never), "TESSERA_VALIDATION");
    expect(err.details).toEqual({ issues: [{ path: "message", message: expect.any(String) }] });
  });

  it("fails with TESSERA_UNAVAILABLE when no node serves the entry", async () => {
    const a = await startNode({ bus: createMemoryBus(), services: [pipeline] });
    await failsWith(a.call(text.entries.upper, { message: "x" }), "TESSERA_UNAVAILABLE");
  });

  it("spreads calls over the instances of a service", async () => {
    const bus = createMemoryBus();
    const served: string[] = [];
    const instance = (label: string) =>
      service("who", {
        entries: {
          serve: entry(() => {
            served.push(label);
            return label;
          }),
        },
      });
    await startNode({ bus, services: [instance("one")] });
    await startNode({ bus, services: [instance("two")] });
    const caller = await startNode({ bus, services: [] });
    const ref = instance("caller").entries.serve;
    for (let i = 0; i < 10; i++) await caller.call(ref);
    expect(served).toHaveLength(10);
    expect(new Set(served)).toEqual(new Set(["one", "two"]));
  });
});
