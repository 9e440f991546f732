import { readFileSync } from "node:fs";
import { TesseraError } from "../../core/errors.js";

/** Where a connection (or state) is wired: its subject, and for a subscriber, the topics it takes. */
export interface Address {
  readonly subject: string;
  /**
   * A `host:port` endpoint: the connection or state runs over direct sockets with no broker (the
   * side that serves it listens there, the side that uses it connects). See `directLinks`.
   */
  readonly endpoint?: string;
  /** A subscriber takes only these topics (default: every topic, and messages without one). */
  readonly topics?: readonly string[];
}

/**
 * The addresses of a system: connection name (or `service.connection`, which wins) → subject
 * (or `{ subject, topics }`), or to a `host:port` endpoint (or `{ endpoint, topics }`) for direct
 * sockets with no broker. What is not listed uses `tessera.conn.<connection>`.
 */
export type Addresses = Readonly<Record<string, string | AddressEntry>>;

/** An entry of the addresses file: `{ subject, topics }`, `{ endpoint, topics }` or both. */
export type AddressEntry = Omit<Address, "subject"> & { readonly subject?: string };

const token = /^[^\s.*>]+$/;
const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*):(\d{1,5})$/;

/** True for a `host:port` endpoint (`127.0.0.1:7001`, `feed.internal:7001`): a direct socket, not a subject. */
export function isEndpoint(value: unknown): value is string {
  const m = typeof value === "string" ? hostPort.exec(value) : null;
  return m !== null && Number(m[3]) > 0 && Number(m[3]) < 65_536;
}
const key = /^[a-zA-Z][\w-]*(\.[a-zA-Z][\w-]*)*$/;

function validSubject(subject: unknown): subject is string {
  return typeof subject === "string" && subject.split(".").every((t) => token.test(t));
}

/**
 * Checks an addresses object (e.g. parsed from JSON): every problem at once as `TESSERA_CONFIG`.
 *
 * @example
 * const addresses = checkAddresses({ quote: "pricing.quote", "trader.trades": { subject: "desk.trades", topics: ["AAPL"] } });
 */
export function checkAddresses(value: unknown, source = "addresses"): Addresses {
  const problems: string[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TesseraError("TESSERA_CONFIG", `${source}: expected an object of connection name → subject`);
  }
  for (const [name, address] of Object.entries(value)) {
    if (!key.test(name)) problems.push(`"${name}" is not a connection name (or service.connection)`);
    if (typeof address === "string") {
      // A colon means an endpoint was meant (no subject of ours has one).
      if (address.includes(":") ? !isEndpoint(address) : !validSubject(address))
        problems.push(`${name}: "${address}" is neither a subject nor a host:port endpoint`);
      continue;
    }
    if (typeof address !== "object" || address === null) {
      problems.push(`${name}: expected a subject or { subject, topics }`);
      continue;
    }
    const { subject, topics, endpoint, ...rest } = address as Record<string, unknown>;
    if (endpoint !== undefined && !isEndpoint(endpoint))
      problems.push(`${name}: endpoint ${JSON.stringify(endpoint)} is not host:port`);
    if (!(endpoint !== undefined && subject === undefined) && !validSubject(subject))
      problems.push(`${name}: subject ${JSON.stringify(subject)} is not a subject`);
    if (
      topics !== undefined &&
      (!Array.isArray(topics) || !topics.every((t) => typeof t === "string" && token.test(t)))
    )
      problems.push(`${name}: topics must be a list of single subject tokens`);
    for (const extra of Object.keys(rest)) problems.push(`${name}: unknown field "${extra}"`);
  }
  if (problems.length > 0) {
    throw new TesseraError(
      "TESSERA_CONFIG",
      `${source}: ${problems.length} problem${problems.length > 1 ? "s" : ""}:\n  ${problems.join("\n  ")}`,
      {
        details: { problems },
      },
    );
  }
  return value as Addresses;
}

/** Reads and checks an addresses file (JSON). */
export function loadAddresses(file: string): Addresses {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new TesseraError("TESSERA_CONFIG", `cannot read the addresses file ${file}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new TesseraError(
      "TESSERA_CONFIG",
      `the addresses file ${file} is not JSON: ${(cause as Error).message}`,
      { cause },
    );
  }
  return checkAddresses(parsed, file);
}

/** The address of `connection` as seen by `service`. */
export function addressOf(addresses: Addresses, service: string, connection: string): Address {
  const a = addresses[`${service}.${connection}`] ?? addresses[connection];
  const subject = `tessera.conn.${connection}`;
  if (a === undefined) return { subject };
  if (typeof a === "string") return isEndpoint(a) ? { subject, endpoint: a } : { subject: a };
  return { ...a, subject: a.subject ?? subject };
}
