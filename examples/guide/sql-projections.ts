import type { EventStore } from "tesserae/eventsourcing";
import { projection } from "tesserae/eventsourcing";
import { cart } from "./event-sourcing.js";

// A read model in a table of its own (SQLite or PostgreSQL store): rows commit with the checkpoint.
export const cartLines = projection({
  name: "cart-lines",
  from: cart,
  collections: ["open-carts"],
  tables: {
    migrations: ["CREATE TABLE cart_lines (cart TEXT NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL)"],
    reset: ["DELETE FROM cart_lines"],
  },
  async handle(e, docs, sql) {
    if (e.type === "opened")
      await docs.put("open-carts", e.aggregateId, { customer: e.data.customer, items: 0 });
    if (e.type === "itemAdded") {
      await sql`INSERT INTO cart_lines (cart, sku, qty) VALUES (${e.aggregateId}, ${e.data.sku}, ${e.data.qty})`;
      const doc = await docs.get<{ customer: string; items: number }>("open-carts", e.aggregateId);
      if (doc) await docs.put("open-carts", e.aggregateId, { ...doc, items: doc.items + e.data.qty });
    }
    if (e.type === "checkedOut") await docs.delete("open-carts", e.aggregateId);
  },
});

// Documents queried in the database: conditions, order and limit run as SQL, values as parameters.
export const bigOpenCarts = (store: EventStore, customer: string) =>
  store.findDocuments<{ customer: string; items: number }>("open-carts", {
    where: { customer, items: { gte: 10 } },
    orderBy: { field: "items", direction: "desc" },
    limit: 20,
  });
