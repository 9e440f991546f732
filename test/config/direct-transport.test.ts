// The exchange example under createProjectNode (what `tesserae start` runs) with an addresses file
// of host:port endpoints: direct ZeroMQ sockets, no broker; mixing with a broker is refused.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { digest, marketPrice, orderBook } from "../../examples/exchange/model.js";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { silentLogger } from "../../src/core/logger.js";
import type { TesseraNode } from "../../src/core/node.js";
import { freePort } from "../support/nats-server.js";

const example = resolve("examples/exchange/tesserae.config.ts");
const dir = mkdtempSync(join(tmpdir(), "tesserae-direct-"));
const saved = process.env.TESSERA_ADDRESSES;
const nodes: TesseraNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  if (saved === undefined) delete process.env.TESSERA_ADDRESSES;
  else process.env.TESSERA_ADDRESSES = saved;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function addressesFile(value: unknown): string {
  const file = join(dir, `addresses-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(value));
  process.env.TESSERA_ADDRESSES = file;
  return file;
}

async function directAddresses() {
  const [feedPort, traderPort] = [await freePort(), await freePort()];
  const feed = `127.0.0.1:${feedPort}`;
  return addressesFile({
    market_price: feed,
    order_book: feed,
    trades: feed,
    "tape.trades": { endpoint: feed, topics: ["AAPL"] },
    cancel_order: `127.0.0.1:${traderPort}`,
  });
}

const project = (options: { transport?: string; configFile?: string } = {}) =>
  loadProject({ config: example, store: "memory", ...options });

describe("an addresses file of host:port endpoints under tesserae start", () => {
  it("runs the feed and the trader over direct sockets: the trader's copies end equal to the owner's", {
    timeout: 30_000,
  }, async () => {
    await directAddresses();
    const configFile = join(dir, "config.json");
    writeFileSync(configFile, JSON.stringify({ feed: { rate: 2000, count: 1500 } }));
    const trader = await createProjectNode(await project({ configFile }), silentLogger, {
      services: "trader",
      announce: true,
    });
    const feed = await createProjectNode(await project({ configFile }), silentLogger, {
      services: "feed",
      announce: true,
    });
    nodes.push(feed, trader);
    expect([feed.transport.kind, trader.transport.kind]).toEqual(["zeromq", "zeromq"]);
    await trader.start();
    await feed.start();
    const owner = (s: typeof marketPrice | typeof orderBook) => feed.use(s as typeof marketPrice, "feed");
    const copy = (s: typeof marketPrice | typeof orderBook) => trader.use(s as typeof marketPrice, "trader");
    await vi.waitFor(
      () => {
        for (const s of [marketPrice, orderBook]) {
          expect(owner(s).seq).toBe(1500);
          expect([copy(s).epoch, copy(s).seq, digest(copy(s).value)]).toEqual([
            owner(s).epoch,
            owner(s).seq,
            digest(owner(s).value),
          ]);
        }
      },
      { timeout: 20_000, interval: 100 },
    );
    // The order book is nested and patched level by level: the copy has every symbol's levels.
    expect(Object.keys(copy(orderBook).value).sort()).toEqual(["AAPL", "AMZN", "GOOG", "MSFT", "TSLA"]);
  });

  it("refuses an addresses file that gives endpoints for some connections and states only", async () => {
    const file = addressesFile({ market_price: "127.0.0.1:7101", cancel_order: "exchange.cancel" });
    const p = await project();
    const made = createProjectNode(p, silentLogger, { services: "trader", announce: true });
    await expect(made).rejects.toMatchObject({ code: "TESSERA_CONFIG" });
    await expect(made).rejects.toThrow(file);
    await expect(made).rejects.toThrow(/no host:port endpoint for .*trader\.cancel_order/);
  });

  it("refuses endpoints beside a transport setting that names a broker", async () => {
    await directAddresses();
    const made = createProjectNode(await project({ transport: "nats://127.0.0.1:4222" }), silentLogger, {
      services: "trader",
    });
    await expect(made).rejects.toThrow(/names a broker \(nats:\/\/127\.0\.0\.1:4222\)/);
  });

  it("keeps the transport setting when the addresses file gives subjects only", async () => {
    addressesFile({ cancel_order: "exchange.cancel_order" });
    const node = await createProjectNode(await project(), silentLogger, { services: "trader" });
    nodes.push(node);
    expect(node.transport.kind).toBe("memory");
  });
});
