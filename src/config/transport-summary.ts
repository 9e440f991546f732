import { maskUrl } from "../core/mask-url.js";
import type { TesseraNode } from "../core/node.js";
import { addressOf } from "../features/connections/addresses.js";
import { connectionUsesOf } from "../features/connections/connection-uses.js";
import { stateUsesOf } from "../features/states/state-uses.js";
import type { Project } from "./load-project.js";
import { projectAddresses } from "./project-addresses.js";

/** `tcp://host:port (a, b)` for each endpoint, in the order met. */
function listOf(byEndpoint: Map<string, Set<string>>): string {
  return [...byEndpoint]
    .map(([endpoint, names]) => `tcp://${endpoint} (${[...names].join(", ")})`)
    .join(", ");
}

/**
 * What a node's transport is, as the start banner shows it: the transport setting (its password
 * masked), or, for a node wired by `host:port` endpoints, the direct ZeroMQ links it listens on and
 * connects to with the connections and states on each, e.g. `direct ZeroMQ, no broker: listens on
 * tcp://127.0.0.1:7101 (market_price, order_book, trades); connects to tcp://127.0.0.1:7102
 * (cancel_order)`. The setting is `memory` on such a node, which said nothing true.
 */
export function transportSummary(
  project: Project,
  node: Pick<TesseraNode, "transport" | "services">,
): string {
  if (node.transport.kind !== "zeromq") return maskUrl(project.settings.transport);
  const addresses = projectAddresses(project)?.addresses ?? {};
  const listens = new Map<string, Set<string>>();
  const connects = new Map<string, Set<string>>();
  const add = (serves: boolean, service: string, name: string) => {
    const { endpoint } = addressOf(addresses, service, name);
    if (endpoint === undefined) return;
    const into = serves ? listens : connects;
    into.set(endpoint, (into.get(endpoint) ?? new Set()).add(name));
  };
  for (const svc of node.services) {
    for (const use of connectionUsesOf(svc))
      add(use.role === "replier" || use.role === "publisher", svc.name, use.connection.name);
    for (const use of stateUsesOf(svc)) add(use.role === "owner", svc.name, use.state.name);
  }
  // A node reaches what it serves locally: it does not connect to its own endpoints.
  for (const [endpoint, names] of listens) {
    for (const name of connects.get(endpoint) ?? []) names.add(name);
    connects.delete(endpoint);
  }
  const parts = [
    ...(listens.size > 0 ? [`listens on ${listOf(listens)}`] : []),
    ...(connects.size > 0 ? [`connects to ${listOf(connects)}`] : []),
  ];
  return `direct ZeroMQ, no broker${parts.length > 0 ? `: ${parts.join("; ")}` : ""}`;
}
