// Issue 18, bug 5: a misspelled connection or state name in the project's addresses file was
// accepted silently (its connection stayed on the default subject). tesserae start refuses it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { TesseraError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/logger.js";

const example = resolve("examples/exchange/tesserae.config.ts");
const dir = mkdtempSync(join(tmpdir(), "tesserae-addresses-"));
const saved = process.env.TESSERA_ADDRESSES;
afterEach(() => {
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

async function refusal(services: string): Promise<TesseraError> {
  const project = await loadProject({ config: example, store: "memory" });
  try {
    const node = await createProjectNode(project, silentLogger, { services, announce: true });
    await node.stop();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    return err as TesseraError;
  }
  throw new Error("expected the node to be refused");
}

describe("the project's addresses file under tesserae start", () => {
  it("refuses a misspelled connection name, naming the file, the name and the closest declared one", async () => {
    const file = addressesFile({ cancel_ordr: "exchange.cancel_order", trades: "exchange.trades" });
    const err = await refusal("trader");
    expect(err.code).toBe("TESSERA_CONFIG");
    expect(err.message).toContain(file);
    expect(err.message).toContain('"cancel_ordr" is no connection or state of any service');
    expect(err.message).toContain('did you mean "cancel_order"?');
  });

  it("refuses a misspelled state name in a file of host:port endpoints", async () => {
    addressesFile({
      market_prize: "127.0.0.1:7001",
      order_book: "127.0.0.1:7001",
      trades: "127.0.0.1:7001",
      cancel_order: "127.0.0.1:7002",
    });
    const err = await refusal("feed");
    expect(err.code).toBe("TESSERA_CONFIG");
    expect(err.message).toContain('"market_prize" is no connection or state of any service');
    expect(err.message).toContain('did you mean "market_price"?');
  });

  it("refuses service.name for a service that does not use that name", async () => {
    addressesFile({ "tape.trade": { subject: "exchange.trades", topics: ["AAPL"] } });
    const err = await refusal("tape");
    expect(err.message).toContain('"tape.trade": service "tape" declares no connection or state "trade"');
    expect(err.message).toContain('did you mean "tape.trades"?');
  });

  it("accepts the example's own files: every name in them is declared", async () => {
    for (const name of ["addresses.nats.json", "addresses.direct.json"]) {
      process.env.TESSERA_ADDRESSES = resolve("examples/exchange", name);
      const project = await loadProject({ config: example, store: "memory" });
      const node = await createProjectNode(project, silentLogger, { services: "none" });
      await node.stop();
    }
  });
});
