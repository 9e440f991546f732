import { bool, checkOptions, schema as schemaRule, shape } from "./definition-rules.js";
import { TesseraError } from "./errors.js";
import type { InferIn, InferOut, Schema } from "./schema.js";

/** A declared event: a name and the schema of its payload. */
export interface EventDef<N extends string = string, In = unknown, Out = In> {
  readonly kind: "event";
  readonly name: N;
  readonly schema: Schema | undefined;
  /**
   * Durable: stored by the transport (JetStream on NATS) until every subscribing service has
   * handled it; a subscriber that is down gets it when it comes back, a handler that keeps failing
   * sends it to a dead-letter subject.
   */
  readonly durable?: boolean;
  /** Type carrier only; never set at run time. */
  readonly "~types"?: { readonly in: In; readonly out: Out };
}

const eventName = /^[a-zA-Z][\w-]*(\.[a-zA-Z][\w-]*)*$/;

/**
 * Declares an event. Its name is dotted words (`order.placed`); the payload is validated when
 * emitted and again when received.
 *
 * @example
 * export const textProcessed = event("text.processed", z.object({ message: z.string() }));
 */
export function event<const N extends string, S extends Schema | undefined = undefined>(
  name: N,
  schema?: S,
  options: EventOptions = {},
): EventDef<N, InferIn<S>, InferOut<S>> {
  if (!eventName.test(name)) {
    throw TesseraError.definition(
      name,
      `event name "${name}" must be dotted words of letters, digits, "_" or "-"`,
    );
  }
  if (schema !== undefined) checkOptions(`${name}.schema`, schema, schemaRule);
  checkOptions(name, options, shape({ durable: bool }));
  return { kind: "event", name, schema, durable: options.durable === true };
}

/** Options of an event. */
export interface EventOptions {
  /**
   * Store the event durably (at-least-once): `ctx.emit` resolves once it is stored, each
   * subscribing service gets it even if it was down, acknowledges it once its handler succeeded,
   * has it redelivered with backoff when the handler throws (per the subscription's `retry`), and
   * after the last attempt the event goes to `tessera.dlq.<service>.<key>`. Deduplicated by the
   * `id` given to `emit`.
   *
   * @example
   * export const orderPlaced = event("order.placed", OrderPlaced, { durable: true });
   */
  readonly durable?: boolean;
}
