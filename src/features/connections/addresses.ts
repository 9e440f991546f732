import { readFileSync } from "node:fs";
import { TesseraError } from "../../core/errors.js";
import {
  ENTRY_FIELDS,
  endpointOf,
  endpointProblem,
  flatFromSeed,
  isEndpoint,
  isSeedEntry,
  isSeedSection,
  seedEndpoints,
} from "./seed-addresses.js";

export { isEndpoint } from "./seed-addresses.js";

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
 * The addresses of a system: connection or state name (or `service.name`, which wins) → subject
 * (or `{ subject, topics }`), or to a `host:port` endpoint (or `{ endpoint, topics }`) for direct
 * sockets with no broker. What is not listed uses `tessera.conn.<connection>` (a state
 * `tessera.state.<name>`).
 */
export type Addresses = Readonly<Record<string, string | AddressEntry>>;

/** An entry of the addresses file: `{ subject, topics }`, `{ endpoint, topics }` or both. */
export type AddressEntry = Omit<Address, "subject"> & { readonly subject?: string };

/** Our format, said with every error about an addresses file. */
export const ADDRESSES_FORMAT =
  'An addresses file is one JSON object for the whole system, mapping each connection or state name (or service.name) to a subject ("exchange.trades"), a host:port endpoint ("127.0.0.1:7101", or "tcp://127.0.0.1:7101"), or { "subject" or "endpoint", "topics": [...] }.';

const token = /^[^\s.*>]+$/;
const key = /^[a-zA-Z][\w-]*(\.[a-zA-Z][\w-]*)*$/;

function validSubject(subject: unknown): subject is string {
  return typeof subject === "string" && subject.split(".").every((t) => token.test(t));
}

/** A string address: an endpoint (`tcp://` dropped) or a subject, or what is wrong with it. */
function stringAddress(address: string): { readonly ok: string } | { readonly problem: string } {
  const endpoint = endpointOf(address);
  if (endpoint !== undefined) return { ok: endpoint };
  // A colon means an endpoint was meant (no subject of ours has one).
  if (address.includes(":")) return { problem: endpointProblem(address) };
  if (validSubject(address)) return { ok: address };
  return {
    problem: `${JSON.stringify(address)} is not a subject (dot-separated tokens without spaces, "*" or ">")`,
  };
}

/** One entry checked: the entry to keep (`tcp://` dropped) or what is wrong with it, in one line. */
function checkEntry(name: string, address: unknown): { entry?: string | AddressEntry; problem?: string } {
  if (typeof address === "string") {
    const a = stringAddress(address);
    return "ok" in a ? { entry: a.ok } : { problem: `${name}: ${a.problem}` };
  }
  if (Array.isArray(address)) {
    const one =
      address.length === 1 && typeof address[0] === "string" ? stringAddress(address[0]) : undefined;
    const fix = one !== undefined && "ok" in one ? `: write "${name}": ${JSON.stringify(one.ok)}` : "";
    return {
      problem: `${name}: a list, but a name has one subject or one host:port (the side that serves it listens there, the others connect)${fix}`,
    };
  }
  if (typeof address !== "object" || address === null) {
    return {
      problem: `${name}: ${JSON.stringify(address) ?? String(address)} is not an address (a subject, a host:port or { subject, endpoint, topics })`,
    };
  }
  const fields = address as Record<string, unknown>;
  if (isSeedEntry(fields)) {
    const found = seedEndpoints(fields);
    const fix = found[0] === undefined ? "" : `: write "${name}": ${JSON.stringify(found[0])}`;
    const one =
      found.length > 1 ? " (one endpoint per name here: a state's updates and snapshots share it)" : "";
    return {
      problem: `${name}: { ${Object.keys(fields)
        .map((k) => `"${k}"`)
        .join(
          ", ",
        )} } is service_framework's form; here the role is declared in code (replier, subscriber, owns… in the service's uses) and the file gives the address alone${fix}${one}`,
    };
  }
  const { subject, topics, endpoint, ...rest } = fields;
  const issues: string[] = [];
  const entry: { subject?: string; endpoint?: string; topics?: readonly string[] } = {};
  if (endpoint !== undefined) {
    const e = endpointOf(endpoint);
    if (e !== undefined) entry.endpoint = e;
    else
      issues.push(
        typeof endpoint === "string" && endpoint.includes(":")
          ? `endpoint ${endpointProblem(endpoint)}`
          : `endpoint ${JSON.stringify(endpoint)} is not host:port`,
      );
  }
  if (subject !== undefined || endpoint === undefined) {
    if (validSubject(subject)) entry.subject = subject;
    else
      issues.push(
        subject === undefined
          ? "no subject or endpoint"
          : `subject ${JSON.stringify(subject)} is not a subject`,
      );
  }
  if (topics !== undefined) {
    if (Array.isArray(topics) && topics.every((t) => typeof t === "string" && token.test(t)))
      entry.topics = topics as string[];
    else issues.push("topics must be a list of single subject tokens");
  }
  const extra = Object.keys(rest);
  if (extra.length > 0)
    issues.push(
      `unknown field${extra.length > 1 ? "s" : ""} ${extra.map((f) => `"${f}"`).join(", ")} (an entry has ${[...ENTRY_FIELDS].join(", ")})`,
    );
  return issues.length > 0 ? { problem: `${name}: ${issues.join("; ")}` } : { entry };
}

/**
 * One line per subject given to two names or more (a `service.name` entry counts as its name):
 * two states, or a state and a connection, on one subject would take each other's messages.
 */
function sharedSubjects(entries: Readonly<Record<string, string | AddressEntry>>): string[] {
  const names = new Map<string, string[]>();
  for (const [written, entry] of Object.entries(entries)) {
    const subject = typeof entry === "string" ? (isEndpoint(entry) ? undefined : entry) : entry.subject;
    if (subject === undefined) continue;
    const name = written.slice(written.lastIndexOf(".") + 1);
    const list = names.get(subject) ?? [];
    if (!list.includes(name)) list.push(name);
    names.set(subject, list);
  }
  const problems: string[] = [];
  for (const [subject, list] of names) {
    if (list.length < 2) continue;
    const said = list.map((n) => `"${n}"`);
    const all = `${said.slice(0, -1).join(", ")} and ${said.at(-1)}`;
    problems.push(
      `${all} are ${list.length === 2 ? "both" : "all"} given the subject "${subject}": each connection or state needs a subject of its own (they would take each other's messages)`,
    );
  }
  return problems;
}

/**
 * Checks an addresses object (e.g. parsed from JSON) and returns it as used (`tcp://host:port`
 * becomes `host:port`): every problem at once as `TESSERA_CONFIG`, one line per entry, the count
 * in the header the number of lines, and our format said after them. A file in
 * service_framework's layout (`connections`/`states`, `in`/`out`, a role per name) is told so,
 * with the flat file it means.
 *
 * @example
 * const addresses = checkAddresses({ quote: "pricing.quote", "trader.trades": { subject: "desk.trades", topics: ["AAPL"] } });
 */
export function checkAddresses(value: unknown, source = "addresses"): Addresses {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const what = Array.isArray(value) ? "a list" : (JSON.stringify(value) ?? String(value));
    throw new TesseraError(
      "TESSERA_CONFIG",
      `${source}: ${what}, not an object of names. ${ADDRESSES_FORMAT}`,
    );
  }
  const problems: string[] = [];
  const out: Record<string, string | AddressEntry> = {};
  const seedSections: string[] = [];
  for (const [name, address] of Object.entries(value)) {
    if (isSeedSection(name, address)) {
      seedSections.push(name);
      continue;
    }
    if (!key.test(name)) {
      // The name and the address swapped ("127.0.0.1:7101": "quote")?
      const swapped = endpointOf(name) !== undefined && typeof address === "string" && key.test(address);
      problems.push(
        swapped
          ? `"${name}": an endpoint where a name goes: write "${address}": ${JSON.stringify(endpointOf(name))}`
          : `"${name}" is not a connection or state name (or service.name): dotted words of letters, digits, "_" or "-"`,
      );
      continue;
    }
    const { entry, problem } = checkEntry(name, address);
    if (problem !== undefined) problems.push(problem);
    else if (entry !== undefined) out[name] = entry;
  }
  problems.push(...sharedSubjects(out));
  if (seedSections.length > 0) {
    const { flat, several } = flatFromSeed(value as Record<string, unknown>);
    const means = Object.keys(flat).length === 0 ? "" : `; write instead: ${JSON.stringify(flat)}`;
    const first =
      several.length === 0
        ? ""
        : ` (${several.join(", ")}: several endpoints, the first kept: one per name here)`;
    problems.unshift(
      `${seedSections.map((s) => `"${s}"`).join(", ")}: service_framework's layout (sections, a role per name, one file per service); here the file is flat and one for the whole system, the side that serves a name (replier, publisher, owner) listening on its endpoint and the others connecting${means}${first}`,
    );
  }
  if (problems.length > 0) {
    const count = `${problems.length} problem${problems.length > 1 ? "s" : ""}`;
    throw new TesseraError(
      "TESSERA_CONFIG",
      `${source}: ${count}:\n  ${problems.join("\n  ")}\n${ADDRESSES_FORMAT}`,
      { details: { problems } },
    );
  }
  return out;
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

/**
 * The entry of `name` (a connection or a state) for `service` as written (`service.name` wins over
 * `name`), in object form; `undefined` when the addresses do not list it.
 */
export function entryOf(addresses: Addresses, service: string, name: string): AddressEntry | undefined {
  const a = addresses[`${service}.${name}`] ?? addresses[name];
  if (a === undefined || typeof a !== "string") return a;
  return isEndpoint(a) ? { endpoint: a } : { subject: a };
}

/** The address of `connection` as seen by `service`. */
export function addressOf(addresses: Addresses, service: string, connection: string): Address {
  const a = entryOf(addresses, service, connection);
  const subject = `tessera.conn.${connection}`;
  return a === undefined ? { subject } : { ...a, subject: a.subject ?? subject };
}
