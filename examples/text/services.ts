import { z } from "zod";
import { entry, service } from "../../src/index.js";

const Message = z.object({ message: z.string() });

/** Three small text operations: one service, one resource. */
export const text = service("text", {
  description: "Small text operations",
  // Pure functions: a call that failed on an instance that died is safe to send to another.
  retry: { attempts: 3, baseDelayMs: 10 },
  entries: {
    upper: entry({ input: Message, output: Message, summary: "Upper-cases a message" }, ({ message }) => ({
      message: message.toUpperCase(),
    })),
    reverse: entry({ input: Message, output: Message, summary: "Reverses a message" }, ({ message }) => ({
      message: [...message].reverse().join(""),
    })),
    spaces: entry(
      {
        input: Message,
        output: z.object({ count: z.number().int() }),
        summary: "Counts the spaces of a message",
      },
      ({ message }) => ({ count: message.split(" ").length - 1 }),
    ),
  },
});

/** Composes the text service with typed calls. */
export const pipeline = service("pipeline", {
  description: "Chains text operations",
  entries: {
    process: entry(
      {
        input: Message,
        output: z.object({ message: z.string(), count: z.number().int() }),
        summary: "Upper-cases, reverses and counts the spaces of a message",
      },
      async ({ message }, ctx) => {
        const upper = await ctx.call(text.entries.upper, { message });
        const reversed = await ctx.call(text.entries.reverse, upper);
        const { count } = await ctx.call(text.entries.spaces, { message });
        return { message: reversed.message, count };
      },
    ),
  },
});
