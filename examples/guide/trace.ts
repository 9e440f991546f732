import { entry, service } from "tesserae";
import { z } from "zod";

export const quotes = service("quotes", {
  entries: {
    // ctx.trace: the request's W3C trace, the same on every hop; this call's span id is its own.
    fetchQuote: entry({ input: z.object({ symbol: z.string() }) }, async ({ symbol }, ctx) => {
      ctx.log.info("asking the exchange", { symbol }); // the line carries traceId and spanId
      const res = await fetch(`https://exchange.example.com/quotes/${symbol}`, {
        headers: { traceparent: ctx.trace.traceparent }, // the exchange joins the same trace
        signal: ctx.signal,
      });
      return (await res.json()) as { price: number };
    }),
  },
});
