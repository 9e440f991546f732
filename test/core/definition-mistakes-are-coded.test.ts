// Regression: definition mistakes were thrown as plain TypeError by service(), entry(), event(),
// configModel(), state(), aggregate(), the connections and main mode, while the node raised
// TESSERA_DEFINITION for the same kind of fault. Every one is now a TesseraError with that code,
// and names the offending definition in its message and in `details.name`.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryEventStore } from "../../src/adapters/memory/index.js";
import { configModel } from "../../src/core/config.js";
import { entry } from "../../src/core/entry.js";
import { TesseraError } from "../../src/core/errors.js";
import { event } from "../../src/core/event.js";
import { service } from "../../src/core/service.js";
import { args } from "../../src/features/connections/arg-model.js";
import { requestReply } from "../../src/features/connections/connection.js";
import { aggregate } from "../../src/features/eventsourcing/aggregate.js";
import { eventSourcing } from "../../src/features/eventsourcing/event-sourcing.js";
import { projection } from "../../src/features/eventsourcing/projection.js";
import { mainLoop } from "../../src/features/main-mode/main-loop.js";
import { state } from "../../src/features/states/state.js";
import { indexUpcasters } from "../../src/ports/upcast.js";

const ok = entry(() => "ok");
const noop = () => ({ type: "x", data: {} });

/** What `declare()` threw. */
function thrown(declare: () => unknown): unknown {
  try {
    declare();
  } catch (err) {
    return err;
  }
  throw new Error("no error was thrown");
}

describe("a definition mistake", () => {
  it.each<[string, string, () => unknown]>([
    ["a service name", "Bad_Name", () => service("Bad_Name", { entries: { ok } })],
    ["an entry name", "orders.2nd", () => service("orders", { entries: { "2nd": ok } })],
    ["an entry that is not one", "orders.list", () => service("orders", { entries: { list: {} as never } })],
    ["a use that is not one", "orders.uses.0", () => service("orders", { uses: [{} as never] })],
    [
      "a subscription that is not one",
      "orders.on.placed",
      () => service("orders", { on: { placed: {} as never } }),
    ],
    ["an entry without handler", "entry", () => entry({}, undefined as never)],
    ["an event name", "order placed", () => event("order placed")],
    ["a config key", "max-length", () => configModel({ "max-length": { schema: z.number() } } as never)],
    ["a config key without schema", "maxLength", () => configModel({ maxLength: {} } as never)],
    ["a state name", "quotes!", () => state("quotes!", z.object({}), { initial: {} })],
    [
      "a state's initial value",
      "quotes",
      () => state("quotes", z.array(z.number()), { initial: [] as never }),
    ],
    ["an aggregate name", "Cart", () => aggregate("Cart", { initial: () => ({}), evolve: (s) => s })],
    [
      "an aggregate's snapshots",
      "cart.snapshots.every",
      () => aggregate("cart", { initial: () => ({}), evolve: (s) => s, snapshots: { every: 0 } }),
    ],
    [
      "a connection name",
      "price feed",
      () => requestReply("price feed", { args: args({}), returns: args({}) }),
    ],
    ["an argument without schema", "symbol", () => args({ symbol: {} as never })],
    ["a main loop", "mainLoop", () => mainLoop(undefined as never)],
    [
      "two upcasters of one event",
      "ItemAdded",
      () => indexUpcasters([1, 1].map((from) => ({ type: "ItemAdded", from, up: noop }))),
    ],
    [
      "two projections of one name",
      "totals",
      () => {
        const cart = aggregate("cart", { initial: () => ({}), evolve: (s: object) => s });
        const p = projection({ name: "totals", from: cart, collections: ["totals"], handle() {} } as never);
        return eventSourcing({ store: memoryEventStore(), projections: [p, p] });
      },
    ],
  ])("in %s is TESSERA_DEFINITION naming %s", (_, name, declare) => {
    const err = thrown(declare);
    expect(err).toBeInstanceOf(TesseraError);
    expect(err).toMatchObject({ code: "TESSERA_DEFINITION", details: { name } });
    expect((err as Error).message).toContain(name);
  });
});
