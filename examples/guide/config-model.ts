import { configModel, entry, service } from "tesserae";
import { z } from "zod";

// Read from TRANSLATE_API_KEY, TRANSLATE_ENDPOINT and TRANSLATE_MAX_LENGTH: .env files, the
// process environment, or `--set translate.maxLength=200`.
export const translateConfig = configModel({
  apiKey: { schema: z.string().min(20), secret: true }, // required, never shown
  endpoint: { schema: z.url(), default: "https://translate.example.com" },
  maxLength: z.number().int().positive().default(5000), // "200" is parsed as JSON: a number
});

export const translate = service("translate", {
  config: translateConfig, // checked when the node starts: every problem listed at once
  entries: {
    toFrench: entry({ input: z.object({ text: z.string() }) }, async ({ text }, ctx) => {
      const { apiKey, endpoint, maxLength } = ctx.config(translateConfig); // typed
      const res = await fetch(`${endpoint}/fr`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}` },
        body: text.slice(0, maxLength),
        signal: ctx.signal,
      });
      return (await res.json()) as { text: string };
    }),
  },
});
