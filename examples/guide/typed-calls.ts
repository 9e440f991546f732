import { entry, service } from "tesserae";
import { z } from "zod";
import { hello } from "./hello.js";

export const welcome = service("welcome", {
  entries: {
    // A typed call: the input is checked at compile time, the result type comes from `hello`'s schema.
    send: entry({ input: z.object({ to: z.string() }) }, async ({ to }, ctx) => {
      const { text } = await ctx.call(hello.entries.greet, { name: to }, { timeout: 500 });
      ctx.log.info("greeting sent", { to });
      return { sent: text, by: ctx.identity?.sub ?? "anonymous" };
    }),
  },
});
