import { entry, type Middleware, service } from "tesserae";
import { z } from "zod";

const timing: Middleware = async (call, next) => {
  const t0 = performance.now();
  try {
    return await next();
  } finally {
    call.ctx.log.debug("timing", { target: call.target, ms: performance.now() - t0 });
  }
};

export const quotes = service("quotes", {
  // Defaults for every entry of the service…
  timeout: 2000,
  middleware: [timing],
  entries: {
    // …which an entry may override.
    getPrice: entry(
      {
        input: z.object({ symbol: z.string() }),
        timeout: 500,
        retry: { attempts: 3, baseDelayMs: 20 },
        breaker: { threshold: 0.5, minRequests: 20, openMs: 5000 },
        bulkhead: { concurrency: 50, queue: 200 },
      },
      async ({ symbol }, ctx) => {
        const res = await fetch(`https://quotes.example/${symbol}`, { signal: ctx.signal });
        return (await res.json()) as { price: number };
      },
    ),
  },
});
