import { createNode, entry, serve, service } from "tesserae";
import { memoryTransport } from "tesserae/memory";
import { z } from "zod";

const Greeting = z.object({ name: z.string().min(1) });

export const hello = service("hello", {
  entries: {
    // POST /hello/greet  {"name":"Ada"} → {"text":"Hello, Ada!"}
    greet: entry({ input: Greeting, output: z.object({ text: z.string() }) }, ({ name }) => ({
      text: `Hello, ${name}!`,
    })),
    // GET /hello/status → 200 {"up":true}
    getStatus: entry(() => ({ up: true })),
  },
});

const node = createNode({ services: [hello], transport: memoryTransport() });
await serve(node, { port: 3000, handleSignals: true });
