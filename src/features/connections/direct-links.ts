import type { ServiceUse } from "../../core/uses.js";
import { stateUsesOf } from "../states/state-uses.js";
import { type Addresses, addressOf, checkAddresses, isEndpoint } from "./addresses.js";
import { connectionUsesOf } from "./connection-uses.js";

/** The direct sockets a node needs: endpoints to listen on, endpoints to connect to. */
export interface DirectLinks {
  readonly bind: readonly string[];
  readonly connect: readonly string[];
}

/**
 * What the `host:port` entries of an addresses file ask of a node running `services`: it listens
 * on the endpoint of each connection or state one of its services serves (a replier, a publisher,
 * a state's owner) and connects to the endpoint of each one they use (a requester, a subscriber,
 * a holder), as the seed's ZMQ sockets do. `undefined` when no entry is an endpoint: the node needs
 * a broker. Give the result to `zeromqTransport` (`tesserae/zeromq`).
 *
 * @example
 * const links = directLinks({ cancel_order: "127.0.0.1:7002", market_price: "127.0.0.1:7001" }, [trader]);
 * // { bind: ["127.0.0.1:7002"], connect: ["127.0.0.1:7001"] }
 */
export function directLinks(
  given: Addresses,
  services: readonly { readonly name: string; readonly options: { readonly uses?: readonly ServiceUse[] } }[],
): DirectLinks | undefined {
  // An object from code, checked as a file is (and `tcp://host:port` read as `host:port`).
  const checked = checkAddresses(given, "directLinks(addresses)");
  const bind = new Set<string>();
  const connect = new Set<string>();
  const add = (serves: boolean, endpoint: string | undefined) => {
    if (endpoint !== undefined) (serves ? bind : connect).add(endpoint);
  };
  for (const svc of services) {
    for (const use of connectionUsesOf(svc)) {
      const { endpoint } = addressOf(checked, svc.name, use.connection.name);
      add(use.role === "replier" || use.role === "publisher", endpoint);
    }
    for (const use of stateUsesOf(svc)) {
      const { endpoint } = addressOf(checked, svc.name, use.state.name);
      add(use.role === "owner", endpoint);
    }
  }
  const endpoints = Object.values(checked).some((a) =>
    typeof a === "string" ? isEndpoint(a) : a.endpoint !== undefined,
  );
  if (!endpoints) return undefined;
  // A node that serves an endpoint reaches it locally: it listens, it does not connect to itself.
  for (const e of bind) connect.delete(e);
  return { bind: [...bind], connect: [...connect] };
}
