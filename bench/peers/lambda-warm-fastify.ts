// Fastify 5 + @fastify/aws-lambda, warm: one HTTP API (v2) event after another.
import { EXPECTED_BODY, fastifyFunction, upperEvent } from "../lib/lambda-bundles.js";
import { measureInvocations } from "../lib/warm-invoke.js";

type Handler = (event: unknown, context: object) => Promise<{ statusCode: number; body: string }>;
const { handler } = (await import(await fastifyFunction())) as { handler: Handler };
const event = upperEvent();
await measureInvocations(
  () => handler(event, {}),
  (r) => {
    if ((r as { body?: string }).body !== EXPECTED_BODY)
      throw new Error(`unexpected answer ${JSON.stringify(r)}`);
  },
);
