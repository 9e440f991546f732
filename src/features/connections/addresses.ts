import { readFileSync } from "node:fs";
import { TesseraError } from "../../core/errors.js";

/** Where a connection is wired: its subject, and for a subscriber, the topics it takes. */
export interface Address {
  readonly subject: string;
  /** A subscriber takes only these topics (default: every topic, and messages without one). */
  readonly topics?: readonly string[];
}

/**
 * The addresses of a system: connection name (or `service.connection`, which wins) → subject
 * (or `{ subject, topics }`). What is not listed uses `tessera.conn.<connection>`.
 */
export type Addresses = Readonly<Record<string, string | Address>>;

const token = /^[^\s.*>]+$/;
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
      if (!validSubject(address)) problems.push(`${name}: "${address}" is not a subject`);
      continue;
    }
    if (typeof address !== "object" || address === null) {
      problems.push(`${name}: expected a subject or { subject, topics }`);
      continue;
    }
    const { subject, topics, ...rest } = address as Record<string, unknown>;
    if (!validSubject(subject)) problems.push(`${name}: subject ${JSON.stringify(subject)} is not a subject`);
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
  if (a === undefined) return { subject: `tessera.conn.${connection}` };
  return typeof a === "string" ? { subject: a } : a;
}
