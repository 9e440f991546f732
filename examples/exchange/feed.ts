// The feed, a leading-edge service in main mode: it owns market_price and order_book and prints trades.

import { publisher } from "../../src/features/connections/index.js";
import { mainLoop } from "../../src/features/main-mode/index.js";
import { owns, type StateHandle } from "../../src/features/states/index.js";
import { type Context, hasCode, service } from "../../src/index.js";
import { feedConfig, marketPrice, orderBook, trades, viewOf } from "./model.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True for the refusal of an owner that stood down: a newer owner (a newer feed) holds the state. */
const stoodDown = (err: unknown) => hasCode(err, "TESSERA_CONFLICT");

/**
 * Stores the state's last value, on SIGINT/SIGTERM. An owner that stood down for a newer feed (a
 * rolling deploy: the new feed started before this one stops) has nothing left to store, the newer
 * owner's value stands: its flush is refused with TESSERA_CONFLICT, which is no failure here.
 */
async function flushOwned(ctx: Context, handle: StateHandle<object>, name: string): Promise<void> {
  try {
    await handle.flush();
  } catch (err) {
    if (!stoodDown(err)) throw err;
    ctx.log.info(`${name}: a newer feed owns it, nothing to store`);
  }
}

export const feed = service("feed", {
  config: feedConfig,
  uses: [
    owns(marketPrice),
    owns(orderBook),
    publisher(trades),
    mainLoop(
      async (ctx) => {
        const { rate, count, symbols } = ctx.config(feedConfig);
        const names = symbols.split(",").map((s) => s.trim());
        const prices = ctx.use(marketPrice);
        const book = ctx.use(orderBook);
        const tape = ctx.use(trades);
        // Refusals (a broker outage, say) logged once a second at most, with their count.
        let refused = 0;
        let loggedAt = 0;
        let superseded = false;
        const failed = (err: unknown) => {
          // A newer feed took the states over: this one stops producing (it is about to be stopped).
          if (stoodDown(err)) superseded = true;
          refused++;
          if (performance.now() - loggedAt < 1000) return;
          loggedAt = performance.now();
          ctx.log.warn("updates refused", { err, refused });
        };
        const t0 = performance.now();
        let n = 0;
        while ((count === 0 || n < count) && !ctx.signal.aborted && !superseded) {
          // Paced against the clock: every update that is due, then a short sleep.
          const due = Math.floor(((performance.now() - t0) / 1000) * rate) + 1;
          for (; n < due && (count === 0 || n < count); n++) {
            const symbol = names[n % names.length]!;
            const mid = 100 + ((n * 7919) % 1000) / 100;
            prices.patch({ [symbol]: { bid: mid - 0.05, ask: mid + 0.05, last: mid } }).catch(failed);
            // One price level changes; now and then one leaves the book (null deletes it).
            const level = (mid - (n % 5) / 10).toFixed(2);
            const side = n % 2 === 0 ? "bids" : "asks";
            book
              .patch({ [symbol]: { [side]: { [level]: n % 11 === 0 ? null : 1 + (n % 50) } } })
              .catch(failed);
            if (n % 3 === 0)
              tape.publish({ symbol, price: mid, qty: 1 + (n % 7) }, { topic: symbol }).catch(failed);
          }
          await sleep(2);
        }
        if (superseded) {
          ctx.log.warn("a newer feed owns the states: this one stopped producing", { updates: n });
          return;
        }
        // What the holders must converge to (the e2e test reads this line).
        ctx.log.info("feed done", { updates: n, market_price: viewOf(prices), order_book: viewOf(book) });
      },
      // On SIGINT/SIGTERM: the states' last values stored (on a broker; nothing to store brokerless).
      {
        onSignal: async (_signal, ctx) => {
          await Promise.all([
            flushOwned(ctx, ctx.use(marketPrice), marketPrice.name),
            flushOwned(ctx, ctx.use(orderBook), orderBook.name),
          ]);
        },
      },
    ),
  ],
});
