// Issue 18, bug 5 (last points): an addresses object given in code is checked as a file is, and a
// name that no service declares is refused (a misspelling used to leave its connection unwired).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { closestName } from "../../../src/core/closest-name.js";
import { TesseraError } from "../../../src/core/errors.js";
import { service } from "../../../src/core/service.js";
import {
  type Addresses,
  args,
  checkAddresses,
  checkAddressNames,
  connections,
  directLinks,
  publishSubscribe,
  replier,
  requester,
  requestReply,
  subscriber,
} from "../../../src/features/connections/index.js";
import { holds, owns, state } from "../../../src/features/states/index.js";

const quote = requestReply("quote", {
  args: args({ symbol: z.string() }),
  returns: args({ price: z.number() }),
});
const trades = publishSubscribe("trades", { args: args({ symbol: z.string() }) });
const prices = state("market_price", z.record(z.string(), z.number()), { initial: {} });
const pricing = service("pricing", { uses: [replier(quote, () => ({ price: 1 })), owns(prices)] });
const desk = service("desk", { uses: [requester(quote), subscriber(trades, () => {}), holds(prices)] });

function thrown(f: () => unknown): TesseraError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    return err as TesseraError;
  }
  throw new Error("expected a throw");
}

describe("an addresses object given in code", () => {
  it("with a number for an address is refused with TESSERA_CONFIG, not a TypeError", () => {
    const bad = { quote: 5 } as unknown as Addresses;
    const err = thrown(() => connections({ addresses: bad }));
    expect(err.code).toBe("TESSERA_CONFIG");
    expect(err.message).toContain("connections({ addresses })");
    expect(err.message).toContain(
      "quote: 5 is not an address (a subject, a host:port or { subject, endpoint, topics })",
    );
  });

  it("lists every problem at once, as a file's are", () => {
    const bad = { quote: null, trades: { subject: "a b", topics: "AAPL" } } as unknown as Addresses;
    const err = thrown(() => connections({ addresses: bad }));
    expect(err.details).toEqual({
      problems: [
        "quote: null is not an address (a subject, a host:port or { subject, endpoint, topics })",
        'trades: subject "a b" is not a subject; topics must be a list of single subject tokens',
      ],
    });
  });

  it("given to directLinks is checked too", () => {
    const bad = { quote: null } as unknown as Addresses;
    expect(thrown(() => directLinks(bad, [desk])).message).toContain("directLinks(addresses)");
  });
});

describe("names in the addresses that no service declares", () => {
  it("a misspelled connection name is refused, naming the source, the name and the closest declared one", () => {
    const err = thrown(() =>
      checkAddressNames({ qoute: "pricing.quote" }, [pricing, desk], "addresses.json"),
    );
    expect(err.code).toBe("TESSERA_CONFIG");
    expect(err.message).toContain("addresses.json");
    expect(err.message).toContain('"qoute" is no connection or state of any service (did you mean "quote"?)');
  });

  it("a misspelled state name is refused with the closest state name", () => {
    const err = thrown(() => checkAddressNames({ market_prize: "127.0.0.1:7001" }, [pricing], "f.json"));
    expect(err.message).toContain('(did you mean "market_price"?)');
  });

  it("service.name of a service that does not use that name is refused, suggesting among its own", () => {
    const err = thrown(() =>
      checkAddressNames({ "desk.trade": { subject: "x", topics: ["A"] } }, [pricing, desk], "f.json"),
    );
    expect(err.message).toContain('"desk.trade": service "desk" declares no connection or state "trade"');
    expect(err.message).toContain('(did you mean "desk.trades"?)');
  });

  it("a name far from every declared one is refused without a suggestion", () => {
    const err = thrown(() => checkAddressNames({ inventory: "x.y" }, [pricing, desk], "f.json"));
    expect(err.message).toContain('"inventory" is no connection or state of any service');
    expect(err.message).not.toContain("did you mean");
  });

  it("declared connection and state names, bare or as service.name, are accepted", () => {
    expect(() =>
      checkAddressNames(
        {
          quote: "p.q",
          trades: "t",
          "desk.trades": { subject: "t", topics: ["A"] },
          market_price: "127.0.0.1:7001",
        },
        [pricing, desk],
        "f.json",
      ),
    ).not.toThrow();
  });
});

describe("closestName", () => {
  it("takes transpositions, case and a few edits as near, and nothing far", () => {
    expect(closestName("qoute", ["quote", "trades"])).toBe("quote");
    expect(closestName("Trades", ["quote", "trades"])).toBe("trades");
    expect(closestName("order_bok", ["order_book", "market_price"])).toBe("order_book");
    expect(closestName("xyz", ["quote", "trades"])).toBeUndefined();
  });
});

describe("one subject, one name (issue 18, second verification, finding 3)", () => {
  it("regression: an addresses file giving two states and a connection one subject was accepted, and a holder ended up with the wrong state's value", () => {
    const file = {
      market_price: "exchange.same",
      order_book: "exchange.same",
      cancel_order: "exchange.cancel_order",
      trades: { subject: "exchange.same", topics: ["AAPL"] },
    };
    let caught: unknown;
    try {
      checkAddresses(file, "collide.json");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TesseraError);
    const err = caught as TesseraError;
    expect(err.code).toBe("TESSERA_CONFIG");
    expect(err.message).toContain("collide.json");
    expect(err.message).toContain(
      '"market_price", "order_book" and "trades" are all given the subject "exchange.same"',
    );
    expect(err.message).not.toContain("cancel_order");
  });

  it("refuses two names on one subject, also as service.name entries, and keeps one name's entries together", () => {
    expect(() => checkAddresses({ "feed.market_price": "x.a", order_book: "x.a" })).toThrow(
      '"market_price" and "order_book" are both given the subject "x.a"',
    );
    // One name given the same subject twice (its own entry and a service's) is one name.
    expect(checkAddresses({ quote: "p.quote", "desk.quote": "p.quote" })).toEqual({
      quote: "p.quote",
      "desk.quote": "p.quote",
    });
    // Endpoints may be shared: one process listens for several names on one port.
    expect(checkAddresses({ market_price: "127.0.0.1:7101", order_book: "127.0.0.1:7101" })).toEqual({
      market_price: "127.0.0.1:7101",
      order_book: "127.0.0.1:7101",
    });
  });
});
