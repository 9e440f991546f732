// The exchange's vocabulary: two replicated states, two connections, the feed's config model.
import { createHash } from "node:crypto";
import { z } from "zod";
import { args, optional, publishSubscribe, requestReply } from "../../src/features/connections/index.js";
import { state } from "../../src/features/states/index.js";
import { configModel } from "../../src/index.js";

const price = z.number().finite();

/** Last prices per symbol, patched one symbol at a time (shallow deltas, the seed's). */
export const marketPrice = state(
  "market_price",
  z.record(z.string(), z.object({ bid: price, ask: price, last: price })),
  { initial: {} },
);

const levels = z.record(z.string(), z.number().int().positive());

/**
 * The order book: symbol → bids and asks, each a map of price level → quantity. A delta is a JSON
 * Merge Patch: one level changes (or leaves, `null`) without resending the book.
 */
export const orderBook = state(
  "order_book",
  z.record(z.string(), z.object({ bids: levels.default({}), asks: levels.default({}) })),
  {
    initial: {},
    delta: "merge-patch",
  },
);

/** A client asks the trader to cancel an order; the trader answers from its copy of the book. */
export const cancelOrder = requestReply("cancel_order", {
  args: args({ symbol: z.string().min(1), side: z.enum(["bid", "ask"]), level: z.string() }),
  returns: args({ cancelled: z.boolean(), reason: optional(z.string()), bookSeq: z.number().int() }),
});

/** Trades printed by the feed, published with the symbol as topic; the tape takes the topics it wants. */
export const trades = publishSubscribe("trades", {
  args: args({ symbol: z.string(), price, qty: z.number().int().positive() }),
});

/** The feed's settings: `-c examples/exchange/config.json`, or `--rate 800` on the command line. */
export const feedConfig = configModel({
  /** Updates a second (each one a market_price delta and an order_book delta). */
  rate: { schema: z.number().positive(), default: 500 },
  /** Stop producing after this many updates (0: never). */
  count: { schema: z.number().int().nonnegative(), default: 0 },
  symbols: { schema: z.string().min(1), default: "AAPL,MSFT,GOOG,AMZN,TSLA" },
});

/** A short digest of a value, its keys sorted: two copies are equal when their digests are. */
export function digest(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
        )
      : v;
  return createHash("sha256")
    .update(JSON.stringify(sorted(value)))
    .digest("hex")
    .slice(0, 16);
}

/** How a service sees a state: its owner's epoch, the number of the last update, a digest of the value. */
export interface StateView {
  readonly epoch: number;
  readonly seq: number;
  readonly digest: string;
}

export function viewOf(handle: { epoch: number; seq: number; value: unknown }): StateView {
  return { epoch: handle.epoch, seq: handle.seq, digest: digest(handle.value) };
}
