import { createGateway, createNode, service, silentLogger, subscribe } from "tesserae";
import { eventSourcing } from "tesserae/eventsourcing";
import { createMemoryBus, memoryEventStore, memoryTransport } from "tesserae/memory";
import { testClient } from "tesserae/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inventoryService } from "../src/inventory.js";
import { item } from "../src/item.js";
import { type StockLevel, stockView } from "../src/stock-view.js";

// The project as `tesserae start` runs it, in memory: the events, the read model and the outbox in a
// memory event store (no file to clean up), the runtime as a plugin of the node.
const store = memoryEventStore();
const es = eventSourcing({ store, projections: [stockView] });
const inventory = inventoryService(es);

// Domain events reach the bus once committed (outbox): a service of the test collects them.
const shipped: { id: string; qty: number }[] = [];
const audit = service("audit", {
  on: {
    shipped: subscribe(
      item.event("shipped"),
      (e) => void shipped.push({ id: e.aggregateId, qty: e.data.qty }),
    ),
  },
});

// Two nodes on one in-memory bus: `server` runs the services, `remote` runs none, so its calls
// travel over the bus, as they would between processes on NATS.
const bus = createMemoryBus();
const server = createNode({
  services: [inventory, audit],
  plugins: [es],
  transport: memoryTransport({ bus }),
  logger: silentLogger,
});
const remote = createNode({
  services: [inventory],
  run: [],
  transport: memoryTransport({ bus }),
  logger: silentLogger,
});
const client = testClient(createGateway(server));

beforeAll(async () => {
  await server.start();
  await remote.start();
});
afterAll(async () => {
  await remote.stop();
  await server.stop();
});

async function register(name: string): Promise<string> {
  const res = await client.post("/inventory", { name });
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

describe("inventory", () => {
  it("receives and ships units; the read model follows every command", async () => {
    const id = await register("mug");
    expect((await client.post(`/inventory/${id}/receive`, { qty: 10 })).body).toEqual({ id, version: 2 });
    expect((await client.post(`/inventory/${id}/ship`, { qty: 3 })).body).toEqual({ id, version: 3 });
    const res = await client.get(`/inventory/${id}`);
    expect(res.body).toEqual({ id, name: "mug", onHand: 7, version: 3 });
    const all = (await client.get("/inventory")).body as StockLevel[];
    expect(all.find((level) => level.id === id)).toEqual({ id, name: "mug", onHand: 7, version: 3 });
  });

  it("refuses to ship more than the stock with a 409, and appends nothing", async () => {
    const id = await register("plate");
    await client.post(`/inventory/${id}/receive`, { qty: 2 });
    const res = await client.post(`/inventory/${id}/ship`, { qty: 5 });
    expect(res.status).toBe(409);
    expect(res.text).toContain("only 2 plate in stock, 5 asked");
    expect((await store.readStream(`item-${id}`)).map((e) => e.type)).toEqual(["registered", "received"]);
  });

  it("takes commands over the bus, and publishes domain events on it", async () => {
    const id = await register("bowl");
    await remote.call(inventory.entries.receive, { id, qty: 4 });
    await remote.call(inventory.entries.ship, { id, qty: 1 });
    expect(await remote.call(inventory.entries.get, { id })).toMatchObject({ onHand: 3 });
    await expect.poll(() => shipped).toContainEqual({ id, qty: 1 });
  });

  it("answers 404 for an unknown item", async () => {
    expect((await client.get("/inventory/nope")).status).toBe(404);
  });
});
