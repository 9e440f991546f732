import { configModel, Decimal, decimal, entry, lifecycle, service } from "tesserae";
import { args, publisher, publishSubscribe, subscriber } from "tesserae/connections";
import { z } from "zod";

// service_framework's config model, setup hooks and signal handlers, on a service that serves.
const deskConfig = configModel({
  maxPosition: { schema: decimal({ min: 0 }), default: "1000000" }, // a Decimal, exact
  venue: z.string(),
});
export const fills = publishSubscribe("desk-fills", {
  args: args({ symbol: z.string(), qty: z.number().int(), price: decimal({ places: 4 }) }),
});

let position = new Decimal(0);

export const desk = service("desk", {
  config: deskConfig,
  uses: [
    publisher(fills),
    // Every instance of `desk` hears every fill (a SUB socket); `{ queue: true }` would share them.
    subscriber(fills, ({ qty, price }) => {
      position = position.plus(price.times(qty));
    }),
    lifecycle({
      setup: {
        configs: (ctx) => {
          // `tesserae start -c desk.json --venue XNAS`: the file, then --key value, checked by the model.
          if (ctx.config(deskConfig).venue === "") throw new Error("venue is empty");
        },
        connections: (ctx) => ctx.log.info("desk wired"),
      },
      // SIGINT/SIGTERM, before the node stops: connections still work.
      onSignal: (signal, ctx) => ctx.log.warn(`${signal}: position ${position.toString()}`),
    }),
  ],
  entries: {
    // POST /desk/fill {"symbol":"X","qty":3,"price":"101.0125"}: checked, exact, then published.
    fill: entry(
      { input: z.object({ symbol: z.string(), qty: z.number().int(), price: decimal({ places: 4 }) }) },
      (fill, ctx) => ctx.use(fills).publish(fill),
    ),
    // GET /desk/position → {"position":"303.0375"}: a Decimal is a string in an HTTP answer.
    getPosition: entry(() => ({ position })),
  },
});
