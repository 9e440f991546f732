import { defineConfig, entry, service } from "tesserae";
import { z } from "zod";

// The project of slow-clients.e2e.test.ts: a 1.5 s request deadline, so that the bounds on slow
// clients show in a short test.
const echo = service("echo", {
  entries: { say: entry({ input: z.object({ m: z.string() }) }, ({ m }) => ({ m })) },
});

export default defineConfig({
  name: "bounded",
  services: [echo],
  gateway: { requestTimeout: 1500, maxConnections: 500 },
});
