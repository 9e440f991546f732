// Tesserae's example function, warm: one HTTP API (v2) event after another.
import { EXPECTED_BODY, oursFunction, upperEvent } from "../lib/lambda-bundles.js";
import { measureInvocations } from "../lib/warm-invoke.js";

type Handler = (event: unknown, context: object) => Promise<{ statusCode: number; body: string }>;
const { handler } = (await import(await oursFunction())) as { handler: Handler };
const event = upperEvent();
await measureInvocations(
  () => handler(event, {}),
  (r) => {
    if ((r as { body?: string }).body !== EXPECTED_BODY)
      throw new Error(`unexpected answer ${JSON.stringify(r)}`);
  },
);
