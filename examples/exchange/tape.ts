// The tape, the subscribing side of trades: it takes the topics its address names (AAPL and MSFT).

import { subscriber } from "../../src/features/connections/index.js";
import { entry, service } from "../../src/index.js";
import { trades } from "./model.js";

const seen = new Map<string, number>();

export const tape = service("tape", {
  uses: [subscriber(trades, ({ symbol }) => void seen.set(symbol, (seen.get(symbol) ?? 0) + 1))],
  entries: {
    // GET /tape/counts → trades seen per symbol since this process started.
    getCounts: entry({}, () => Object.fromEntries(seen)),
  },
});
