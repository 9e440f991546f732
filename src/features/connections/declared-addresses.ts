import { closestName } from "../../core/closest-name.js";
import { TesseraError } from "../../core/errors.js";
import type { ServiceUse } from "../../core/uses.js";
import { stateUsesOf } from "../states/state-uses.js";
import { type Addresses, entryOf } from "./addresses.js";
import { connectionUsesOf } from "./connection-uses.js";

type Declaring = { readonly name: string; readonly options: { readonly uses?: readonly ServiceUse[] } };

/**
 * Refuses the entries of `addresses` that no service of `services` declares (`TESSERA_CONFIG`,
 * naming `source`, each such name and the closest declared one): a connection or state name, or
 * `service.name` for a service that uses it. A misspelled name would otherwise be ignored and its
 * connection left on its default subject. Give it every service of the system, not only a node's.
 *
 * @example
 * checkAddressNames({ qoute: "pricing.quote" }, [desk, pricing], "addresses.json");
 * // TESSERA_CONFIG: addresses.json: "qoute" is no connection or state of any service (did you mean "quote"?)
 */
export function checkAddressNames(
  addresses: Addresses,
  services: readonly Declaring[],
  source: string,
): void {
  const declared = new Set<string>();
  const connections = new Set<string>();
  for (const svc of services) {
    for (const u of connectionUsesOf(svc)) connections.add(u.connection.name);
    const names = [
      ...connectionUsesOf(svc).map((u) => u.connection.name),
      ...stateUsesOf(svc).map((u) => u.state.name),
    ];
    for (const name of names) declared.add(name).add(`${svc.name}.${name}`);
  }
  const problems: string[] = [];
  // A state's holders take every update: topics (a subscriber's choice) are refused, not ignored.
  for (const svc of services) {
    for (const u of stateUsesOf(svc)) {
      const name = u.state.name;
      if (connections.has(name) || entryOf(addresses, svc.name, name)?.topics === undefined) continue;
      const written = addresses[`${svc.name}.${name}`] === undefined ? name : `${svc.name}.${name}`;
      const problem = `"${written}": state "${name}" takes no topics (its holders get every update): give it a subject or a host:port alone`;
      if (!problems.includes(problem)) problems.push(problem);
    }
  }
  for (const name of Object.keys(addresses)) {
    if (declared.has(name)) continue;
    const service = services.find((s) => name.startsWith(`${s.name}.`));
    const what =
      service === undefined
        ? `"${name}" is no connection or state of any service`
        : `"${name}": service "${service.name}" declares no connection or state "${name.slice(service.name.length + 1)}"`;
    // For a service's own entry, suggest among that service's names.
    const alike = [...declared].filter((d) => service === undefined || d.startsWith(`${service.name}.`));
    const near = closestName(name, alike);
    problems.push(near === undefined ? what : `${what} (did you mean "${near}"?)`);
  }
  if (problems.length > 0) {
    throw new TesseraError(
      "TESSERA_CONFIG",
      `${source}: ${problems.length} problem${problems.length > 1 ? "s" : ""}:\n  ${problems.join("\n  ")}`,
      { details: { problems } },
    );
  }
}
