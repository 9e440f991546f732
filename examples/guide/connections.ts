import { entry, service } from "tesserae";
import {
  args,
  optional,
  publisher,
  publishSubscribe,
  replier,
  requester,
  requestReply,
  subscriber,
} from "tesserae/connections";
import { z } from "zod";

// Connections are declared by name, with argument models: required and optional typed keys;
// a key the model does not name is refused. Checked on send and on receipt.
export const quote = requestReply("quote", {
  args: args({ symbol: z.string().min(1), currency: optional(z.enum(["USD", "EUR"])) }),
  returns: args({ price: z.number(), venue: optional(z.string()) }),
});
export const fills = publishSubscribe("fills", { args: args({ symbol: z.string(), qty: z.number().int() }) });

export const pricer = service("pricer", {
  uses: [replier(quote, ({ symbol }) => ({ price: symbol.length * 10, venue: "XNAS" }))],
});

export const desk = service("desk", {
  uses: [requester(quote), publisher(fills), subscriber(fills, (f, ctx) => ctx.log.info("filled", f))],
  entries: {
    buy: entry({ input: z.object({ symbol: z.string(), qty: z.number().int() }) }, async (order, ctx) => {
      const { price } = await ctx.use(quote).request({ symbol: order.symbol }); // typed from the models
      await ctx.use(fills).publish(order, { topic: order.symbol }); // on <subject>.<topic>
      return { price, total: price * order.qty };
    }),
  },
});
