import { afterEach, describe, expect, it } from "vitest";
import { createMemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { discovery, observeNodes } from "../../../src/features/discovery/index.js";
import { createNode, service, silentLogger, type TesseraNode } from "../../../src/index.js";

const a = service("a", { entries: {} });
const b = service("b", { entries: {} });

const nodes: TesseraNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

describe("observeNodes", () => {
  it("lists the live nodes from outside, without appearing in their registries", async () => {
    const bus = createMemoryBus();
    for (const [id, run] of [
      ["gw", []],
      ["na", ["a"]],
      ["nb", ["b"]],
    ] as const) {
      const node = createNode({
        id,
        services: [a, b],
        run,
        transport: memoryTransport({ bus }),
        logger: silentLogger,
        // A heartbeat far longer than the wait: the nodes answer the observer's hello at once.
        plugins: [discovery({ heartbeatMs: 60_000 })],
      });
      nodes.push(node);
      await node.start();
    }
    const observer = memoryTransport({ bus });
    await observer.connect();
    const seen = await observeNodes(observer, { waitMs: 100 });
    await observer.close();
    expect(seen.map((n) => [n.id, n.services.map((s) => s.name)])).toEqual([
      ["gw", []],
      ["na", ["a"]],
      ["nb", ["b"]],
    ]);
    expect(nodes[0]!.topology().nodes.map((n) => n.id)).toEqual(["na", "nb"]);
  });
});
