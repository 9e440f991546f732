import { entry, service, TesseraError } from "tesserae";
import { aggregate, command, type DomainEvent, type EventSourcing } from "tesserae/eventsourcing";
import { z } from "zod";

// The state is the fold of the events: typed events, a pure `evolve`.
type CartEvent =
  | DomainEvent<"opened", { customer: string }>
  | DomainEvent<"itemAdded", { sku: string; qty: number }>
  | DomainEvent<"checkedOut", { at: string }>;

interface Cart {
  readonly customer: string;
  readonly items: Record<string, number>;
  readonly open: boolean;
}

export const cart = aggregate("cart", {
  initial: (): Cart => ({ customer: "", items: {}, open: true }),
  evolve(s: Cart, e: CartEvent): Cart {
    switch (e.type) {
      case "opened":
        return { ...s, customer: e.data.customer };
      case "itemAdded":
        return { ...s, items: { ...s.items, [e.data.sku]: (s.items[e.data.sku] ?? 0) + e.data.qty } };
      case "checkedOut":
        return { ...s, open: false };
    }
  },
  snapshots: { every: 200 },
});

// Commands decide: the events a command produces from the state, or a refusal (nothing is appended).
const addItem = (s: Cart, sku: string, qty: number): CartEvent => {
  if (!s.open) throw TesseraError.conflict("the cart is checked out");
  return { type: "itemAdded", data: { sku, qty } };
};

export function carts(es: EventSourcing) {
  const repo = es.repository(cart);
  return service("carts", {
    entries: {
      // POST /carts {"customer"} → 201 {"id"}
      post: entry({ input: z.object({ customer: z.string() }), status: 201 }, async ({ customer }) => {
        const created = await repo.create(() => ({ type: "opened", data: { customer } }));
        return { id: created.id };
      }),
      // POST /carts/:id/items {"sku","qty"}: load, decide, append with the version read (retried on a race)
      addItem: command(
        repo,
        {
          input: z.object({ id: z.string(), sku: z.string(), qty: z.number().int().positive() }),
          route: "POST /carts/:id/items",
        },
        ({ sku, qty }, state) => addItem(state, sku, qty),
      ),
      // GET /carts/:id: the aggregate itself (a read model is better for lists and searches)
      get: entry({ input: z.object({ id: z.string() }), params: ["id"] }, async ({ id }) => {
        const c = await repo.get(id); // { id, version, createdAt, updatedAt, state }
        return { id: c.id, version: c.version, ...c.state };
      }),
    },
  });
}
