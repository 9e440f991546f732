import { afterEach, describe, expect, it } from "vitest";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { openStores } from "../../../src/config/store-set.js";
import { parseStoreUrl } from "../../../src/config/store-url.js";
import { createDeclaredFlows } from "../../../src/features/declared-flows/index.js";
import { eventSourcing } from "../../../src/features/eventsourcing/index.js";
import { createFlowEngine } from "../../../src/features/flows/index.js";
import { createGateway } from "../../../src/features/gateway/index.js";
import { createNode, silentLogger, type TesseraNode } from "../../../src/index.js";

const ready = async (node: TesseraNode) => {
  const r = await createGateway(node).handle({ method: "GET", url: "/ready", headers: {} });
  return { status: r.status, body: JSON.parse(String(r.body)) };
};

describe("/ready includes the stores (issue 17, bug 7)", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const done of cleanup.splice(0).reverse()) await done();
  });

  it("a node on the memory stores is ready and lists each store it uses", async () => {
    const stores = openStores(parseStoreUrl("memory", "/"));
    const engine = createFlowEngine({ store: stores.flowStore(), flows: [] });
    const declared = createDeclaredFlows({ engine, store: stores.declaredFlowStore() });
    const es = eventSourcing({ store: stores.eventStore() });
    const node = createNode({
      services: [],
      transport: memoryTransport(),
      logger: silentLogger,
      plugins: [engine, declared, es],
    });
    await node.start();
    cleanup.push(
      () => stores.close(),
      () => node.stop(),
    );
    const r = await ready(node);
    expect(r.status).toBe(200);
    expect(r.body.checks.stores).toEqual([
      { name: "flow store", target: "memory", ready: true },
      { name: "declared flow store", target: "memory", ready: true },
      { name: "event store", target: "memory", ready: true },
    ]);
  });

  it("a store that does not answer makes the node 503, naming the store", async () => {
    const node = createNode({
      services: [],
      transport: memoryTransport(),
      logger: silentLogger,
      readiness: {
        checks: [
          {
            name: "event store",
            target: "postgres://app:***@db/app",
            ping: () => Promise.reject(new Error("boom")),
          },
        ],
      },
    });
    await node.start();
    cleanup.push(() => node.stop());
    const r = await ready(node);
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({
      ready: false,
      checks: {
        node: "running",
        transport: { connected: true },
        stores: [{ name: "event store", target: "postgres://app:***@db/app", ready: false, error: "boom" }],
      },
    });
    // The synchronous view keeps the last outcome.
    expect(node.readiness().ready).toBe(false);
  });
});
