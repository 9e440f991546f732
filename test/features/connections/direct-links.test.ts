import { describe, expect, it } from "vitest";
import { z } from "zod";
import { service } from "../../../src/core/service.js";
import { checkAddresses } from "../../../src/features/connections/addresses.js";
import { args } from "../../../src/features/connections/arg-model.js";
import { publishSubscribe, requestReply } from "../../../src/features/connections/connection.js";
import {
  publisher,
  replier,
  requester,
  subscriber,
} from "../../../src/features/connections/connection-uses.js";
import { directLinks } from "../../../src/features/connections/direct-links.js";
import { state } from "../../../src/features/states/state.js";
import { holds, owns } from "../../../src/features/states/state-uses.js";

const cancel = requestReply("cancel_order", {
  args: args({ id: z.string() }),
  returns: args({ ok: z.boolean() }),
});
const trades = publishSubscribe("trades", { args: args({ qty: z.number() }) });
const prices = state("market_price", z.object({ bid: z.number().optional() }), { initial: {} });

const feed = service("feed", { uses: [owns(prices), publisher(trades)] });
const trader = service("trader", {
  uses: [holds(prices), replier(cancel, () => ({ ok: true })), subscriber(trades, () => undefined)],
});
const client = service("client", { uses: [requester(cancel)] });

const sorted = (links: ReturnType<typeof directLinks>) =>
  links === undefined ? undefined : { bind: [...links.bind].sort(), connect: [...links.connect].sort() };

const addresses = checkAddresses({
  market_price: "127.0.0.1:7001",
  cancel_order: "127.0.0.1:7002",
  trades: { endpoint: "127.0.0.1:7003", topics: ["AAPL"] },
});

describe("direct links from an addresses file", () => {
  it("listens where a node's services serve and connects where they use, states included", () => {
    expect(sorted(directLinks(addresses, [feed]))).toEqual({
      bind: ["127.0.0.1:7001", "127.0.0.1:7003"],
      connect: [],
    });
    expect(sorted(directLinks(addresses, [trader]))).toEqual({
      bind: ["127.0.0.1:7002"],
      connect: ["127.0.0.1:7001", "127.0.0.1:7003"],
    });
    expect(sorted(directLinks(addresses, [client]))).toEqual({ bind: [], connect: ["127.0.0.1:7002"] });
  });

  it("does not connect a node to an endpoint it listens on itself", () => {
    expect(sorted(directLinks(addresses, [feed, trader, client]))).toEqual({
      bind: ["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"],
      connect: [],
    });
  });

  it("needs a broker (undefined) when no entry is an endpoint", () => {
    expect(directLinks(checkAddresses({ cancel_order: "desk.cancel" }), [client])).toBeUndefined();
  });

  it("refuses an endpoint that is not host:port, listing every problem", () => {
    expect(() => checkAddresses({ a: { endpoint: "localhost" }, b: "127.0.0.1:99999" })).toThrow(
      /2 problems[\s\S]*endpoint "localhost" is not host:port[\s\S]*neither a subject nor a host:port/,
    );
  });
});
