import { describe, expect, it } from "vitest";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { entry } from "../../src/core/entry.js";
import { TesseraError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/logger.js";
import { createNode, type NodePlugin } from "../../src/core/node.js";
import { service } from "../../src/core/service.js";
import type { UseKey } from "../../src/core/uses.js";

const counter: UseKey<{ readonly count: number }> = { useKey: "test:counter" };

/** A plugin that provides `counter` to the services that declare `{ feature: "counter" }`. */
function counterPlugin(): NodePlugin {
  return {
    name: "counter",
    start(node) {
      node.provide(counter, (svc) => {
        const declares = node.service(svc)?.options.uses?.some((u) => u.feature === "counter");
        if (declares !== true) throw new TesseraError("TESSERA_DEFINITION", `${svc} does not use counter`);
        return { count: svc.length };
      });
    },
  };
}

describe("service uses and ctx.use", () => {
  it("gives a handler what a plugin provides for its service, synchronously", async () => {
    const svc = service("four", {
      uses: [{ feature: "counter" }],
      entries: { read: entry((_input, ctx) => ctx.use(counter).count) },
    });
    const node = createNode({
      services: [svc],
      transport: memoryTransport(),
      plugins: [counterPlugin()],
      logger: silentLogger,
    });
    await node.start();
    try {
      expect(await node.call(svc.entries.read)).toBe(4);
      expect(node.use(counter, "four")).toEqual({ count: 4 });
    } finally {
      await node.stop();
    }
  });

  it("refuses to start a node whose services use a feature without its plugin", async () => {
    const svc = service("lonely", { uses: [{ feature: "counter" }] });
    const node = createNode({ services: [svc], transport: memoryTransport(), logger: silentLogger });
    await expect(node.start()).rejects.toMatchObject({
      code: "TESSERA_DEFINITION",
      message: expect.stringContaining('lonely uses "counter"'),
    });
  });

  it("fails a handler that reads a key nothing provides with TESSERA_DEFINITION", async () => {
    const svc = service("reader", { entries: { read: entry((_input, ctx) => ctx.use(counter).count) } });
    const node = createNode({ services: [svc], transport: memoryTransport(), logger: silentLogger });
    await node.start();
    try {
      await expect(node.call(svc.entries.read)).rejects.toMatchObject({ code: "TESSERA_DEFINITION" });
    } finally {
      await node.stop();
    }
  });

  it("refuses a declaration that is not a feature's", () => {
    expect(() => service("bad", { uses: [{} as never] })).toThrow(
      /bad\.uses\.0 must be a feature's declaration/,
    );
  });

  it("lets a second stop() wait for the first (a plugin's stop runs once, before both resolve)", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let stops = 0;
    const slow: NodePlugin = {
      name: "slow",
      async stop() {
        stops++;
        await held;
      },
    };
    const node = createNode({
      services: [],
      transport: memoryTransport(),
      plugins: [slow],
      logger: silentLogger,
    });
    await node.start();
    const order: string[] = [];
    const first = node.stop().then(() => order.push("first"));
    const second = node.stop().then(() => order.push("second"));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    release();
    await Promise.all([first, second]);
    expect(stops).toBe(1);
    expect(node.status).toBe("stopped");
  });
});
