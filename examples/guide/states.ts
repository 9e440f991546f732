import { entry, service } from "tesserae";
import { mainLoop } from "tesserae/main-mode";
import { holds, owns, state } from "tesserae/states";
import { z } from "zod";

// A replicated state: an object value, typed by its schema, owned by one service, held by others.
export const quotes = state("quotes", z.record(z.string(), z.number()), { initial: {} });

// The owner updates it: `patch` sends a delta (shallow merge, `null` deletes a key), `set` a full update.
export const feed = service("feed", {
  uses: [
    owns(quotes),
    mainLoop(async (ctx) => {
      const q = ctx.use(quotes);
      while (!ctx.signal.aborted) {
        await q.patch({ AAPL: 180 + Math.random(), DELISTED: null });
        await new Promise((r) => setTimeout(r, 100));
      }
    }),
  ],
});

// A holder reads its live local copy synchronously, and hears every change.
export const trader = service("trader", {
  uses: [holds(quotes, { onChange: (c, ctx) => ctx.log.debug("quotes", { seq: c.seq, kind: c.kind }) })],
  entries: {
    // GET /trader/price?symbol=AAPL → {"price":180.42,"seq":1234}
    getPrice: entry({ input: z.object({ symbol: z.string() }) }, ({ symbol }, ctx) => {
      const copy = ctx.use(quotes);
      return { price: copy.value[symbol] ?? null, seq: copy.seq };
    }),
  },
});
