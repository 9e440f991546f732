// Moleculer 0.14: the broker and the `bench` service shared by the HTTP peer and the in-process caller.
import type { Server } from "node:http";
import { load } from "./load.js";
import { hello, type User, userReply } from "./workload.js";

export interface Broker {
  createService(schema: object): unknown;
  start(): Promise<void>;
  stop(): Promise<void>;
  call(action: string, params?: unknown): Promise<unknown>;
  waitForServices(names: string[]): Promise<void>;
  getLocalService(name: string): { server: Server } | undefined;
}

/** The same four checks as the other peers, in fastest-validator's notation (the default validator). */
const userParams = {
  name: "string",
  email: "string",
  age: { type: "number", integer: true },
  active: "boolean",
};

/** A quiet broker (no logger, no metrics, no tracing); `options` may add a transporter. */
export async function loadBroker(options: object = {}): Promise<Broker> {
  const moleculer = await load<{ default: { ServiceBroker: new (options: object) => Broker } }>("moleculer");
  return new moleculer.default.ServiceBroker({ nodeID: "bench", logger: false, validator: true, ...options });
}

/** A quiet broker hosting the `bench` service. */
export async function benchBroker(options: object = {}): Promise<Broker> {
  const broker = await loadBroker(options);
  broker.createService({
    name: "bench",
    actions: {
      hello: { handler: () => hello },
      user: { params: userParams, handler: (ctx: { params: User }) => userReply(ctx.params) },
    },
  });
  return broker;
}
