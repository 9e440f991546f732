import { entry, service } from "tesserae";
import { z } from "zod";

const Greeting = z.object({ name: z.string().min(1) });

// A definition only: importing this module starts nothing.
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
