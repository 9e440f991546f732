// A node served with `serve(node, { handleSignals: true })` in its own process, for the SIGTERM test
// of server.test.ts. It prints `READY <url>` once it serves,
// and `STARTED` when a request reaches the handler.
import { z } from "zod";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { createLogger, createNode, entry, serve, service } from "../../../src/index.js";

const slow = service("slow", {
  entries: {
    wait: entry({ input: z.object({ ms: z.number() }) }, async ({ ms }) => {
      console.log("STARTED");
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { done: true };
    }),
  },
});

const node = createNode({
  services: [slow],
  transport: memoryTransport(),
  logger: createLogger({ level: "info", format: "json" }),
});
const server = await serve(node, { port: 0, handleSignals: true });
console.log(`READY ${server.url}`);
