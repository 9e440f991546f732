import { lookup as dnsLookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { TesseraError } from "../../core/errors.js";
import { maskUrl } from "../../core/mask-url.js";
import {
  type AddressKind,
  addressKind,
  effectiveAddress,
  type IpAddress,
  metadataHosts,
  normalHost,
  parseIp,
} from "./egress-address.js";

/** One address a name resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** How host names are resolved (default `dns.lookup`, every address). */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

/**
 * Where the outbound calls that users configure at run time may go: declared services' addresses,
 * run callbacks (`callbackUrl`). Cloud metadata endpoints are refused whatever the settings say,
 * unless `cidrs` lists the endpoint's own address; loopback, private, link-local, shared (CGNAT)
 * and reserved addresses are refused outside the `dev` stage unless allowed here.
 *
 * @example
 * const egress: EgressSettings = { hosts: ["billing.internal"], cidrs: ["10.20.0.0/16"] };
 */
export interface EgressSettings {
  /** Schemes calls may use: `http`, `https` (default both; no other can be called). */
  readonly schemes?: readonly string[];
  /**
   * Host names reachable whatever addresses they resolve to (metadata addresses aside): exact
   * (`billing.internal`), or `*.svc.cluster.local` for its subdomains.
   */
  readonly hosts?: readonly string[];
  /**
   * Address ranges reachable (`10.20.0.0/16`, `fd12:3456::/48`, `192.0.2.7`). A metadata endpoint
   * only by its own address (`169.254.169.254` or `169.254.169.254/32`), not by a wider range.
   */
  readonly cidrs?: readonly string[];
  /** Loopback, private, link-local, shared and reserved addresses reachable (default: in `dev` only). */
  readonly privateAddresses?: boolean;
  /** Only the hosts and ranges listed here are reachable, public addresses included (default false). */
  readonly listedOnly?: boolean;
  /** How host names are resolved (default `dns.lookup`, every address); tests give their own. */
  readonly resolve?: Resolver;
}

const knownSchemes = new Set(["http", "https"]);

const kindWords: Readonly<Record<AddressKind, string>> = {
  public: "a public address",
  metadata: "a cloud metadata address",
  loopback: "a loopback address",
  private: "a private address",
  "link-local": "a link-local address",
  shared: "a shared (CGNAT) address",
  unspecified: "an unspecified address",
  multicast: "a multicast or broadcast address",
  reserved: "a reserved address",
};

function configError(problems: readonly string[]): TesseraError {
  return new TesseraError("TESSERA_CONFIG", `invalid egress settings: ${problems.join("; ")}`, {
    details: { problems },
  });
}

function stringList(name: string, value: unknown, problems: string[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.trim() === "")) {
    problems.push(`egress.${name} must be a list of non-empty strings`);
    return [];
  }
  return value.map((v: string) => v.trim());
}

/** A range of `cidrs`: a plain address is the range of that address alone. */
function parseRange(text: string): [IpAddress, number] | undefined {
  if (ipaddr.isValidCIDR(text)) return ipaddr.parseCIDR(text);
  const a = parseIp(text);
  return a === undefined ? undefined : [a, a.kind() === "ipv4" ? 32 : 128];
}

/**
 * The egress policy of a stage: {@link EgressSettings} applied, with the defaults of the stage.
 * `refusal` tells why a URL may not be called (scheme, an address written in it, a metadata or
 * `localhost` name); {@link EgressPolicy.resolve} resolves a name and refuses it when any of its
 * addresses is refused — the request then connects to those very addresses (egress-request.ts), so
 * a name that resolves elsewhere the second time (DNS rebinding) changes nothing.
 *
 * @example
 * const policy = egressPolicy({ cidrs: ["10.20.0.0/16"] }, "prod");
 * policy.refusal("http://169.254.169.254/latest/meta-data/"); // "169.254.169.254 is a cloud metadata address: …"
 */
export class EgressPolicy {
  readonly privateAddresses: boolean;
  readonly listedOnly: boolean;
  private readonly schemes: ReadonlySet<string>;
  private readonly exactHosts: ReadonlySet<string>;
  private readonly hostSuffixes: readonly string[];
  private readonly ranges: readonly [IpAddress, number][];
  private readonly resolver: Resolver;

  constructor(settings: EgressSettings, stage: string) {
    const problems: string[] = [];
    const schemes = stringList("schemes", settings.schemes, problems).map((s) =>
      s.toLowerCase().replace(/:$/, ""),
    );
    for (const s of schemes)
      if (!knownSchemes.has(s))
        problems.push(`egress.schemes: "${s}" cannot be called (only http and https)`);
    this.schemes = new Set(settings.schemes === undefined ? knownSchemes : schemes);
    const hosts = stringList("hosts", settings.hosts, problems).map(normalHost);
    this.exactHosts = new Set(hosts.filter((h) => !h.startsWith("*.")));
    this.hostSuffixes = hosts.filter((h) => h.startsWith("*.")).map((h) => h.slice(1));
    const ranges: [IpAddress, number][] = [];
    for (const c of stringList("cidrs", settings.cidrs, problems)) {
      const r = parseRange(c);
      if (r === undefined) problems.push(`egress.cidrs: "${c}" is not an address or a CIDR range`);
      else ranges.push(r);
    }
    this.ranges = ranges;
    for (const name of ["privateAddresses", "listedOnly"] as const)
      if (settings[name] !== undefined && typeof settings[name] !== "boolean")
        problems.push(`egress.${name} must be true or false`);
    if (settings.resolve !== undefined && typeof settings.resolve !== "function")
      problems.push("egress.resolve must be a function (host) => Promise<{address, family}[]>");
    if (problems.length > 0) throw configError(problems);
    this.privateAddresses = settings.privateAddresses ?? stage === "dev";
    this.listedOnly = settings.listedOnly ?? false;
    this.resolver =
      settings.resolve ??
      ((host) => dnsLookup(host, { all: true, verbatim: true }) as Promise<ResolvedAddress[]>);
  }

  private hostListed(host: string): boolean {
    return this.exactHosts.has(host) || this.hostSuffixes.some((s) => host.endsWith(s));
  }

  /** Whether `cidrs` holds the address; a metadata address only by an entry of that one address. */
  private rangeListed(a: IpAddress, metadata: boolean): boolean {
    const e = effectiveAddress(a);
    return this.ranges.some(([net, bits]) => {
      if (metadata && bits !== (net.kind() === "ipv4" ? 32 : 128)) return false;
      return [a, e].some((x) => x.kind() === net.kind() && x.match(net, bits));
    });
  }

  /**
   * Why an address may not be reached (undefined: it may), `host` being the name it was resolved
   * from, if any.
   */
  addressRefusal(a: IpAddress, host?: string): string | undefined {
    const kind = addressKind(a);
    const e = effectiveAddress(a);
    // An address that carries another is shown with it: `::ffff:7f00:1 (127.0.0.1)`.
    const shown = e.toString() === a.toString() ? a.toString() : `${a} (${e})`;
    if (kind === "metadata") {
      if (this.rangeListed(a, true)) return undefined;
      return `${shown} is ${kindWords[kind]}: refused unless egress.cidrs lists that address`;
    }
    if (this.rangeListed(a, false) || (host !== undefined && this.hostListed(host))) return undefined;
    if (kind !== "public") {
      if (this.privateAddresses && !this.listedOnly) return undefined;
      return this.privateAddresses
        ? `${shown} is not in egress.hosts or egress.cidrs (egress.listedOnly)`
        : `${shown} is ${kindWords[kind]}: refused outside the dev stage unless egress.cidrs or egress.hosts allows it`;
    }
    return this.listedOnly
      ? `${shown} is not in egress.hosts or egress.cidrs (egress.listedOnly)`
      : undefined;
  }

  /**
   * Why `url` may not be called, from the URL alone (undefined: it may, as far as the URL tells —
   * a host name is checked again on each call, on every address it resolves to): its scheme, an
   * address written in it (in any form: `0x7f000001`, `2130706433` and `127.1` are `127.0.0.1`,
   * `[::ffff:127.0.0.1]` too), a metadata host name, `localhost`.
   *
   * @example
   * egressPolicy({}, "prod").refusal("http://10.0.0.7/") // "10.0.0.7 is a private address: refused outside the dev stage …"
   */
  refusal(url: string): string | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return "not a valid URL";
    }
    const scheme = u.protocol.slice(0, -1);
    if (!this.schemes.has(scheme))
      return `the scheme ${scheme}: is not allowed (egress.schemes: ${[...this.schemes].join(", ")})`;
    const ip = parseIp(u.hostname);
    if (ip !== undefined) return this.addressRefusal(ip);
    const host = normalHost(u.hostname);
    if (metadataHosts.has(host) && !this.exactHosts.has(host))
      return `${host} is a cloud metadata host: refused unless egress.hosts lists it`;
    if ((host === "localhost" || host.endsWith(".localhost")) && !this.hostListed(host))
      return this.addressRefusal(ipaddr.parse("127.0.0.1"), host)?.replace("127.0.0.1", host);
    return undefined;
  }

  /**
   * `url` parsed, or `TESSERA_FORBIDDEN` (`details.reason: "egress"`, the URL masked) naming why
   * the policy refuses it (see {@link refusal}).
   */
  check(url: string, what = "the call"): URL {
    const why = this.refusal(url);
    if (why !== undefined) throw egressRefused(`${what} to ${maskUrl(url)} is refused: ${why}`, url);
    return new URL(url);
  }

  /**
   * Resolves a host name and checks every address it resolves to: all of them allowed, or
   * `TESSERA_FORBIDDEN` naming the first refused one. The caller connects to what it returns.
   */
  async resolve(host: string, url: string): Promise<readonly ResolvedAddress[]> {
    const name = normalHost(host);
    const list = await this.resolver(host);
    if (list.length === 0) throw TesseraError.unavailable(`${name} resolves to no address`);
    for (const { address } of list) {
      const ip = parseIp(address);
      const why = ip === undefined ? `${address} is not an IP address` : this.addressRefusal(ip, name);
      if (why !== undefined)
        throw egressRefused(`the call to ${maskUrl(url)} is refused: ${name} resolves to ${why}`, url);
    }
    return list;
  }
}

function egressRefused(message: string, url: string): TesseraError {
  return new TesseraError("TESSERA_FORBIDDEN", message, { details: { reason: "egress", url: maskUrl(url) } });
}

/**
 * The egress policy of `settings` in `stage` (see {@link EgressPolicy}); invalid settings are
 * `TESSERA_CONFIG` listing every problem.
 *
 * @example
 * createFlowEngine({ store, flows, egress: { hosts: ["*.svc.cluster.local"] } });
 */
export function egressPolicy(settings: EgressSettings, stage: string): EgressPolicy {
  return new EgressPolicy(settings, stage);
}
