import { configModel, createNode, hasCode, service } from "tesserae";
import { configArgs, mainLoop, mainMode } from "tesserae/main-mode";
import { natsTransport } from "tesserae/nats";
import { owns, replicatedStates } from "tesserae/states";
import { z } from "zod";
import { quotes } from "./states.js";

// A leading-edge service: no inbound entries, a main loop that produces, hooks around it.
const tickerConfig = configModel({ rate: { schema: z.number().positive(), default: 10 } });

const ticker = service("ticker", {
  config: tickerConfig,
  uses: [
    owns(quotes),
    mainLoop(
      async (ctx) => {
        const { rate } = ctx.config(tickerConfig); // `--rate 1000` on the command line
        while (!ctx.signal.aborted) {
          await ctx.use(quotes).patch({ MSFT: 400 + Math.random() });
          await new Promise((r) => setTimeout(r, 1000 / rate));
        }
      },
      {
        setup: (ctx) => ctx.log.info("warming up"), // before any loop starts
        // On SIGINT/SIGTERM, before the node shuts down: store the state and its number. An owner
        // that stood down for a newer ticker (a rolling deploy) has nothing to store: TESSERA_CONFLICT.
        onSignal: (_signal, ctx) =>
          ctx
            .use(quotes)
            .flush()
            .catch((err: unknown) => {
              if (!hasCode(err, "TESSERA_CONFLICT")) throw err;
            }),
      },
    ),
  ],
});

// `npx tsx examples/guide/leading-edge.ts --rate 1000`: extra --key value arguments go to its config.
const node = createNode({
  services: [ticker],
  transport: natsTransport({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" }),
  env: { ...process.env, ...configArgs([ticker], process.argv.slice(2)) },
  plugins: [replicatedStates(), mainMode()], // main mode last: its loops stop first
});
await node.start();
