import { TesseraError } from "../core/errors.js";
import type { ServiceDef } from "../core/service.js";
import type { Transport } from "../core/transport.js";
import { type Addresses, addressOf } from "../features/connections/addresses.js";
import { connectionUsesOf } from "../features/connections/connection-uses.js";
import { directLinks } from "../features/connections/direct-links.js";
import { stateUsesOf } from "../features/states/state-uses.js";
import type { Project } from "./load-project.js";
import { projectAddresses } from "./project-addresses.js";

/** The connections and states (`service.name`) of `services` that have no `host:port` endpoint. */
function withoutEndpoint(addresses: Addresses, services: readonly ServiceDef[]): string[] {
  const missing = new Set<string>();
  for (const svc of services) {
    const names = [
      ...connectionUsesOf(svc).map((u) => u.connection.name),
      ...stateUsesOf(svc).map((u) => u.state.name),
    ];
    for (const name of names) {
      if (addressOf(addresses, svc.name, name).endpoint === undefined) missing.add(`${svc.name}.${name}`);
    }
  }
  return [...missing];
}

export interface DirectTransportOptions {
  /** The project's transport setting: a broker URL beside endpoints is refused (no mixing). */
  readonly transport: string;
  /**
   * A node that joins the system (`tesserae start`) listens where its services serve; a one-off
   * command (`call`, a project command) only connects, to every endpoint, so that it does not take
   * the running nodes' ports.
   */
  readonly listen: boolean;
}

/**
 * The brokerless transport when the project's addresses file gives `host:port` endpoints: direct
 * ZeroMQ sockets, listening where the node's `running` services serve a connection or own a state
 * and connecting where they use one (`directLinks`). `undefined` when the file gives no endpoint (or
 * there is no file): the transport setting applies. Mixing is refused with `TESSERA_CONFIG`: every
 * connection and state of the project's services needs an endpoint once one has, and the transport
 * setting must not name a broker — a node runs on direct sockets or on a broker, not both.
 */
export async function directTransportFor(
  project: Project,
  services: readonly ServiceDef[],
  running: readonly ServiceDef[],
  options: DirectTransportOptions,
): Promise<Transport | undefined> {
  const found = projectAddresses(project);
  if (found === undefined) return undefined;
  const { file, addresses } = found;
  const links = directLinks(addresses, running);
  if (links === undefined) return undefined;
  const problems: string[] = [];
  if (options.transport !== "memory") {
    problems.push(
      `the transport setting names a broker (${options.transport.replace(/\/\/[^@/]*@/, "//…@")}) while the addresses file wires by host:port endpoints: drop TESSERA_TRANSPORT / --transport, or give subjects instead of endpoints`,
    );
  }
  const missing = withoutEndpoint(addresses, services);
  if (missing.length > 0) {
    problems.push(
      `no host:port endpoint for ${missing.join(", ")}: once the file gives endpoints, every connection and state needs one (a broker and direct sockets are not mixed)`,
    );
  }
  if (problems.length > 0) {
    throw new TesseraError("TESSERA_CONFIG", `addresses file ${file}:\n  ${problems.join("\n  ")}`, {
      details: { problems },
    });
  }
  const { zeromqTransport } = await import("../adapters/zeromq/index.js");
  if (!options.listen) {
    // Everything the project serves, dialled: a one-off command reaches the running nodes.
    const all = directLinks(addresses, services) ?? links;
    return zeromqTransport({ connect: [...new Set([...all.bind, ...all.connect])] });
  }
  return zeromqTransport({ bind: links.bind, connect: links.connect });
}
