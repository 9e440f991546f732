// The client, in main mode: it asks the trader to cancel orders and counts the answers.

import { requester } from "../../src/features/connections/index.js";
import { mainLoop } from "../../src/features/main-mode/index.js";
import { service } from "../../src/index.js";
import { cancelOrder } from "./model.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const client = service("client", {
  uses: [
    requester(cancelOrder),
    mainLoop(async (ctx) => {
      const cancel = ctx.use(cancelOrder);
      let answered = 0;
      let failed = 0;
      for (let i = 0; !ctx.signal.aborted; i++) {
        try {
          const r = await cancel.request(
            { symbol: "AAPL", side: i % 2 === 0 ? "bid" : "ask", level: (100 + (i % 10)).toFixed(2) },
            { timeout: 1000 },
          );
          answered++;
          if (answered % 20 === 1) ctx.log.info("cancel_order answered", { ...r, answered, failed });
        } catch (err) {
          // The trader restarting, say: the next request goes through once it is back.
          failed++;
          ctx.log.warn("cancel_order failed", { err, answered, failed });
        }
        await sleep(100);
      }
    }),
  ],
});
