// Issue 18 verification: the start banner said `transport memory` on a node wired by host:port
// endpoints (direct ZeroMQ links, no broker): it showed the transport setting, not what the node uses.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { banner, projectSummary } from "../../src/cli/banner.js";
import { colorsFor } from "../../src/cli/output.js";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { transportSummary } from "../../src/config/transport-summary.js";
import { silentLogger } from "../../src/core/logger.js";

const example = resolve("examples/exchange/tesserae.config.ts");
const dir = mkdtempSync(join(tmpdir(), "tesserae-banner-"));
const saved = process.env.TESSERA_ADDRESSES;
afterEach(() => {
  if (saved === undefined) delete process.env.TESSERA_ADDRESSES;
  else process.env.TESSERA_ADDRESSES = saved;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function addressesFile(value: unknown): void {
  const file = join(dir, `addresses-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(value));
  process.env.TESSERA_ADDRESSES = file;
}

/** The banner's first line for a node running `services` of the exchange example (never started). */
async function firstLine(services: string): Promise<string> {
  const project = await loadProject({ config: example, store: "memory" });
  // announce: a node that joins the system, as `tesserae start` makes (it listens on its endpoints).
  const node = await createProjectNode(project, silentLogger, { services, announce: true });
  const summary = projectSummary(project, node.routes, transportSummary(project, node));
  return banner(colorsFor({ isTTY: false }, {}), summary, "http://127.0.0.1:3000").split("\n")[0]!;
}

const direct = {
  market_price: "127.0.0.1:7101",
  order_book: "127.0.0.1:7101",
  trades: "127.0.0.1:7101",
  "tape.trades": { endpoint: "127.0.0.1:7101", topics: ["AAPL", "MSFT"] },
  cancel_order: "127.0.0.1:7102",
};

describe("the start banner said transport memory when the node runs brokerless", () => {
  it("names the direct links of the feed: what it listens on, with the states and connections there", async () => {
    addressesFile(direct);
    const line = await firstLine("feed");
    expect(line).not.toContain("transport memory");
    expect(line).toContain(
      "transport direct ZeroMQ, no broker: listens on tcp://127.0.0.1:7101 (trades, market_price, order_book)",
    );
  });

  it("names what the trader listens on and what it connects to", async () => {
    addressesFile(direct);
    expect(await firstLine("trader")).toContain(
      "transport direct ZeroMQ, no broker: listens on tcp://127.0.0.1:7102 (cancel_order); connects to tcp://127.0.0.1:7101 (market_price, order_book)",
    );
  });

  it("still says memory on a node with no endpoints (subjects in the addresses file)", async () => {
    addressesFile({ cancel_order: "exchange.cancel" });
    expect(await firstLine("feed")).toContain("· transport memory ·");
  });
});
