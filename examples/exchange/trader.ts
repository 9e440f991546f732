// The trader holds both states and answers cancel_order from its live copy of the book.
import { z } from "zod";
import { replier } from "../../src/features/connections/index.js";
import { holds } from "../../src/features/states/index.js";
import { entry, service } from "../../src/index.js";
import { cancelOrder, marketPrice, orderBook, viewOf } from "./model.js";

export const trader = service("trader", {
  uses: [
    holds(marketPrice),
    holds(orderBook),
    replier(cancelOrder, ({ symbol, side, level }, ctx) => {
      const book = ctx.use(orderBook);
      const levels = book.value[symbol]?.[side === "bid" ? "bids" : "asks"];
      if (levels?.[level] === undefined)
        return { cancelled: false, reason: `no ${side} at ${level} on ${symbol}`, bookSeq: book.seq };
      return { cancelled: true, bookSeq: book.seq };
    }),
  ],
  entries: {
    // GET /trader/view → how the trader's copies stand (epoch, number, digest of each).
    getView: entry({}, (_input, ctx) => ({
      market_price: viewOf(ctx.use(marketPrice)),
      order_book: viewOf(ctx.use(orderBook)),
      synced: ctx.use(marketPrice).synced && ctx.use(orderBook).synced,
    })),
    // GET /trader/price?symbol=AAPL → the trader's last price of a symbol.
    getPrice: entry({ input: z.object({ symbol: z.string() }) }, ({ symbol }, ctx) => ({
      price: ctx.use(marketPrice).value[symbol] ?? null,
    })),
  },
});
