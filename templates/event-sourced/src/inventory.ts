import { entry, service, TesseraError } from "tesserae";
import { command, type EventSourcing } from "tesserae/eventsourcing";
import { z } from "zod";
import { item, receive, register, ship } from "./item.js";
import { STOCK, type StockLevel } from "./stock-view.js";

const Quantity = z.object({ id: z.string().min(1), qty: z.number().int().positive() });

/**
 * The `inventory` service, built on the project's event-sourcing runtime (`tesserae.config.ts`).
 * Commands append events to an item's stream; queries read the `stock` read model. Each entry is
 * reachable over HTTP, over the bus (`tessera.svc.inventory.<entry>`) and as a typed call.
 */
export function inventoryService(es: EventSourcing) {
  const items = es.repository(item);
  return service("inventory", {
    description: "Items in stock, event-sourced",
    entries: {
      // POST /inventory {"name":"mug"} → 201 {"id":"…"}
      post: entry(
        { input: z.object({ name: z.string().min(1) }), status: 201, summary: "Registers an item" },
        async ({ name }) => ({ id: (await items.create(() => register(name))).id }),
      ),
      // POST /inventory/:id/receive {"qty":10} → {"id","version"}
      receive: command(
        items,
        { input: Quantity, route: "POST /inventory/:id/receive", summary: "Adds received units" },
        ({ qty }) => receive(qty),
      ),
      // POST /inventory/:id/ship {"qty":3} → {"id","version"}; beyond the stock: 409, nothing appended
      ship: command(
        items,
        { input: Quantity, route: "POST /inventory/:id/ship", summary: "Takes units out for shipping" },
        ({ qty }, state) => ship(qty, state),
      ),
      // GET /inventory/:id → {"id","name","onHand","version"}
      get: entry(
        { input: z.object({ id: z.string() }), params: ["id"], summary: "The stock of an item" },
        async ({ id }) => {
          const level = await es.store.getDocument<StockLevel>(STOCK, id);
          if (level === undefined) throw TesseraError.notFound(`no item ${id}`);
          return level;
        },
      ),
      // GET /inventory → [{"id","name","onHand","version"}, …]
      list: entry({ route: "GET /inventory", summary: "The stock of every item" }, async () =>
        (await es.store.findDocuments<StockLevel>(STOCK, { limit: 100 })).map((d) => d.doc),
      ),
    },
  });
}
