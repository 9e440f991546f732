import { describe, expect, it, vi } from "vitest";
import { desk, pricer } from "../../../examples/guide/connections.js";
import { feed, trader } from "../../../examples/guide/states.js";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { connections } from "../../../src/features/connections/index.js";
import { mainMode } from "../../../src/features/main-mode/index.js";
import { replicatedStates } from "../../../src/features/states/index.js";
import { createLogger, createNode, silentLogger } from "../../../src/index.js";

describe("the guide's snippets of states, connections and main mode", () => {
  it("wires the desk and the pricer through examples/guide/addresses.json", async () => {
    const lines: { msg?: string; symbol?: string }[] = [];
    const node = createNode({
      services: [pricer, desk],
      transport: memoryTransport(),
      plugins: [connections({ addresses: "examples/guide/addresses.json" })],
      logger: createLogger({ level: "info", write: (l) => lines.push(JSON.parse(l)) }),
    });
    await node.start();
    try {
      expect(await node.call(desk.entries.buy, { symbol: "AAPL", qty: 2 })).toEqual({ price: 40, total: 80 });
      await vi.waitFor(() => expect(lines.some((l) => l.msg === "filled" && l.symbol === "AAPL")).toBe(true));
    } finally {
      await node.stop();
    }
  });

  it("keeps the trader's copy of the feed's quotes", async () => {
    const node = createNode({
      services: [feed, trader],
      transport: memoryTransport(),
      plugins: [replicatedStates(), mainMode({ handleSignals: false })],
      logger: silentLogger,
    });
    await node.start();
    try {
      await vi.waitFor(async () => {
        const r = await node.call(trader.entries.getPrice, { symbol: "AAPL" });
        expect(r.price).toBeGreaterThan(180);
        expect(r.seq).toBeGreaterThan(0);
      });
    } finally {
      await node.stop();
    }
  });
});
