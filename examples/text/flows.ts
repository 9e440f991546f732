import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { sqliteFlowStore } from "../../src/adapters/sqlite/index.js";
import { createFlowEngine, flow } from "../../src/features/flows/index.js";
import { type Logger, TesseraError } from "../../src/index.js";
import { text } from "./services.js";

const Message = z.object({ message: z.string() });

/** The pipeline as a durable flow: upper → reverse → spaces over the `text` service. */
export const textPipeline = flow(
  "text-pipeline",
  {
    input: Message,
    output: z.object({ message: z.string(), count: z.number().int() }),
    description: "Upper-cases, reverses and counts the spaces of a message, durably",
  },
  async (ctx, { message }) => {
    const upper = await ctx.call(text.entries.upper, { message });
    const reversed = await ctx.call(text.entries.reverse, upper);
    const { count } = await ctx.call(text.entries.spaces, { message });
    return { message: reversed.message, count };
  },
);

const Trip = z.object({
  traveller: z.string().min(1),
  /** The booking that fails (to see the saga compensate the ones before it). */
  failAt: z.enum(["flight", "hotel", "car"]).optional(),
});

/** A saga: books a flight, a hotel and a car; when one fails, the earlier ones are cancelled in reverse order. */
export const bookTrip = flow(
  "book-trip",
  { input: Trip, description: "Books a flight, a hotel and a car; compensates on failure (failAt)" },
  async (ctx, { traveller, failAt }) => {
    const book = (what: "flight" | "hotel" | "car") =>
      ctx.step(
        `book-${what}`,
        ({ idempotencyKey }) => {
          if (failAt === what) throw TesseraError.conflict(`no ${what} available for ${traveller}`);
          return { what, reference: `${what}-${idempotencyKey}` };
        },
        { compensate: (booking) => ctx.log.info("booking cancelled", booking) },
      );
    const bookings = [await book("flight"), await book("hotel"), await book("car")];
    return { traveller, bookings: bookings.map((b) => b.reference) };
  },
);

/**
 * The engine of the example: embedded, on SQLite under `.tesserae/` (WAL). Its worker id is stable,
 * so that a restarted example takes its unfinished runs back at once.
 */
export function exampleFlowEngine(file = ".tesserae/flows.db", logger?: Logger) {
  mkdirSync(dirname(file), { recursive: true });
  return createFlowEngine({
    store: sqliteFlowStore({ database: new Database(file) }),
    flows: [textPipeline, bookTrip],
    workerId: "example",
    ...(logger === undefined ? {} : { logger }),
  });
}
