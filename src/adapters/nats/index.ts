import { connect } from "@nats-io/transport-node";
import { type NatsConnect, NatsTransport, type NatsTransportOptions } from "./nats-transport.js";

export type { JetStreamOptions } from "./jetstream-options.js";
export type { NatsSecurity } from "./nats-security.js";
export type { NatsConnect, NatsTransport, NatsTransportOptions } from "./nats-transport.js";

/**
 * The NATS transport (`tesserae/nats`): request/reply and events on core NATS, durable events on
 * JetStream. The driver is `connect` of `@nats-io/transport-node` unless another is injected.
 *
 * @example
 * const node = createNode({
 *   services: [text],
 *   transport: natsTransport({ servers: "nats://127.0.0.1:4222" }),
 * });
 */
export function natsTransport(
  options: NatsTransportOptions & { readonly connect?: NatsConnect } = {},
): NatsTransport {
  return new NatsTransport(options.connect ?? connect, options);
}
