import { configModel, entry, service } from "tesserae";
import { z } from "zod";

/** What the service needs from its environment: `GREETER_GREETING` (optional, "Hello" by default). */
export const greeterConfig = configModel({
  greeting: { schema: z.string().min(1), default: "Hello", description: "The word to greet with" },
});

/** One service, one resource: `POST /greeter/greet`. */
export const greeter = service("greeter", {
  description: "Greets people",
  config: greeterConfig,
  entries: {
    greet: entry(
      {
        input: z.object({ name: z.string().min(1) }),
        output: z.object({ text: z.string() }),
        summary: "Greets someone by name",
      },
      ({ name }, ctx) => ({ text: `${ctx.config(greeterConfig).greeting}, ${name}!` }),
    ),
  },
});
