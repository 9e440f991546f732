import { projection } from "tesserae/eventsourcing";
import { item } from "./item.js";

/** What the queries answer: one document per item, in the collection `stock`. */
export interface StockLevel {
  readonly id: string;
  readonly name: string;
  readonly onHand: number;
  readonly version: number;
}

export const STOCK = "stock";

/**
 * The read model (CQRS's query side). Inline: written in the transaction of each append, so a
 * query right after a command sees it; `mode: "async"` would follow the log from a checkpoint.
 */
export const stockView = projection({
  name: "stock-view",
  mode: "inline",
  from: item,
  collections: [STOCK],
  async handle(e, docs) {
    const id = e.aggregateId;
    const level = await docs.get<StockLevel>(STOCK, id);
    switch (e.type) {
      case "registered":
        return docs.put(STOCK, id, { id, name: e.data.name, onHand: 0, version: e.version });
      case "received":
        return docs.put(STOCK, id, { ...level!, onHand: level!.onHand + e.data.qty, version: e.version });
      case "shipped":
        return docs.put(STOCK, id, { ...level!, onHand: level!.onHand - e.data.qty, version: e.version });
      case "$deleted":
        return docs.delete(STOCK, id);
    }
  },
});
