// Issue 18 verification: the exchange feed's onSignal flush() failed on a stood-down owner. In a
// rolling deploy the new feed starts before the old one stops; the old one stands down, and on
// SIGTERM its handler's flush() was refused (TESSERA_CONFLICT), logged as "feed: onSignal failed".
import { afterEach, describe, expect, it, vi } from "vitest";
import { feed } from "../../examples/exchange/feed.js";
import { marketPrice } from "../../examples/exchange/model.js";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../src/adapters/memory/index.js";
import type { Logger } from "../../src/core/logger.js";
import { rootContext } from "../../src/core/root-context.js";
import { connections } from "../../src/features/connections/index.js";
import { mainMode } from "../../src/features/main-mode/index.js";
import { mainLoopOf } from "../../src/features/main-mode/main-loop.js";
import { replicatedStates } from "../../src/features/states/index.js";
import { createNode, type TesseraNode } from "../../src/index.js";

const nodes: TesseraNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

function recorder(): { logger: Logger; lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const at =
    (level: string) =>
    (msg: string): void =>
      void lines.push({ level, msg });
  const logger: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => logger,
  };
  return { logger, lines };
}

/** A feed node on `bus` (its loop producing 200 updates a second), started. */
async function feedNode(bus: MemoryBus, logger: Logger): Promise<TesseraNode> {
  const node = createNode({
    services: [feed],
    transport: memoryTransport({ bus }),
    plugins: [replicatedStates({ persistMs: 5 }), connections(), mainMode({ handleSignals: false })],
    env: { FEED_RATE: "200", FEED_COUNT: "0" },
    logger,
  });
  nodes.push(node);
  await node.start();
  return node;
}

/** The feed's onSignal handler, as main mode runs it on SIGTERM. */
function sigterm(node: TesseraNode): Promise<unknown> {
  const onSignal = mainLoopOf(feed)?.options.onSignal;
  if (onSignal === undefined) throw new Error("the feed has no onSignal handler");
  return Promise.resolve(onSignal("SIGTERM", rootContext(node, "feed.main")));
}

const epochOf = (node: TesseraNode) => node.use(marketPrice, "feed").epoch;

describe("the exchange feed's onSignal flush() on a stood-down owner", () => {
  it("a feed that stood down for a newer one stops producing and its SIGTERM handler ends cleanly", async () => {
    const bus = createMemoryBus(); // its last-value store is the lease between the two feeds
    const old = recorder();
    const oldFeed = await feedNode(bus, old.logger);
    await vi.waitFor(() => expect(oldFeed.use(marketPrice, "feed").seq).toBeGreaterThan(10));
    // The rolling deploy: the new feed starts before the old one stops.
    const newFeed = await feedNode(bus, recorder().logger);
    expect(epochOf(newFeed)).toBeGreaterThan(epochOf(oldFeed));
    await vi.waitFor(() => expect(old.lines.filter((l) => l.msg.includes("stands down"))).toHaveLength(2));
    await expect(sigterm(oldFeed)).resolves.toBeUndefined();
    expect(old.lines.filter((l) => l.msg.includes("nothing to store"))).toHaveLength(2);
    await vi.waitFor(() =>
      expect(old.lines.map((l) => l.msg)).toContain(
        "a newer feed owns the states: this one stopped producing",
      ),
    );
    await oldFeed.stop();
    expect(old.lines.filter((l) => l.level === "error")).toEqual([]);
  });

  it("a feed that still owns its states stores them on SIGTERM", async () => {
    const bus = createMemoryBus();
    const log = recorder();
    const node = await feedNode(bus, log.logger);
    await vi.waitFor(() => expect(node.use(marketPrice, "feed").seq).toBeGreaterThan(10));
    await expect(sigterm(node)).resolves.toBeUndefined();
    await node.stop();
    expect(log.lines.filter((l) => l.level === "error" || l.msg.includes("nothing to store"))).toEqual([]);
  });
});
