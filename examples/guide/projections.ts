import { mkdirSync } from "node:fs";
import Database from "better-sqlite3";
import { createNode, serve, service, subscribe } from "tesserae";
import { eventSourcing, projection } from "tesserae/eventsourcing";
import { memoryTransport } from "tesserae/memory";
import { sqliteEventStore } from "tesserae/sqlite";
import { cart, carts } from "./event-sourcing.js";

// A read model: inline (same transaction as the append) or async (a runner with a durable checkpoint).
const cartSizes = projection({
  name: "cart-sizes",
  mode: "async",
  from: cart,
  collections: ["cart-sizes"],
  async handle(e, docs) {
    const doc = (await docs.get<{ items: number }>("cart-sizes", e.aggregateId)) ?? { items: 0 };
    if (e.type === "itemAdded")
      await docs.put("cart-sizes", e.aggregateId, { items: doc.items + e.data.qty });
  },
});

// Domain events arrive on the bus once committed (at least once: `eventId` is stable, deduplicate on it).
const mailer = service("mailer", {
  on: {
    welcome: subscribe(cart.created, (e, ctx) => ctx.log.info("new cart", { id: e.aggregateId })),
    added: subscribe(cart.event("itemAdded"), (e, ctx) => ctx.log.info("added", { sku: e.data.sku })),
  },
});

// Composition: the driver is created here and injected (Postgres: postgresEventStore({ pool })).
mkdirSync(".tesserae", { recursive: true }); // SQLite creates the file, not its folder
const store = sqliteEventStore({ database: new Database(".tesserae/carts.db") });
const es = eventSourcing({ store, projections: [cartSizes] });
// As a plugin, `es` starts with the node (async projections, outbox relay) and stops before it.
const node = createNode({ services: [carts(es), mailer], transport: memoryTransport(), plugins: [es] });
await serve(node, { port: 3000, handleSignals: true });
