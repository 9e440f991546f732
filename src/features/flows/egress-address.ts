import ipaddr from "ipaddr.js";

/**
 * What an IP address is, as the egress policy sees it: `public` (routable on the internet),
 * `metadata` (a cloud's instance metadata or credentials endpoint: refused in every stage unless
 * allowed by its address), or one of the ranges refused outside `dev` by default.
 */
export type AddressKind =
  | "public"
  | "metadata"
  | "loopback"
  | "private"
  | "link-local"
  | "shared"
  | "unspecified"
  | "multicast"
  | "reserved";

/** A parsed address (IPv4 or IPv6). */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Cloud metadata and credentials endpoints: AWS IMDS (IPv4 and IPv6), ECS task credentials and
 * EKS pod identity, GCP and Azure and Oracle (169.254.169.254), Alibaba (100.100.100.200).
 */
const metadataAddresses = [
  "169.254.169.254",
  "169.254.170.2",
  "169.254.170.23",
  "100.100.100.200",
  "fd00:ec2::254",
  "fd00:ec2::23",
].map((a) => ipaddr.parse(a).toNormalizedString());

/** Host names of metadata endpoints (GCP's, AWS's old alias). */
export const metadataHosts: ReadonlySet<string> = new Set([
  "metadata.google.internal",
  "metadata.goog",
  "metadata",
  "instance-data",
  "instance-data.ec2.internal",
]);

// ipaddr.js names more ranges than its types list (deprecatedSiteLocal); anything but these is reserved.
const kindOfRange: Readonly<Record<string, AddressKind>> = {
  unicast: "public",
  // Anycast services reachable on the internet (AMT relays, AS112 DNS sinks).
  amt: "public",
  as112: "public",
  as112v6: "public",
  loopback: "loopback",
  private: "private",
  uniqueLocal: "private",
  deprecatedSiteLocal: "private",
  linkLocal: "link-local",
  carrierGradeNat: "shared",
  unspecified: "unspecified",
  multicast: "multicast",
  broadcast: "multicast",
};

/** IPv4-compatible IPv6 (`::a.b.c.d`, deprecated): ipaddr.js calls it unicast. */
const ipv4Compatible = ipaddr.parseCIDR("::/96");

/**
 * The IPv4 address an IPv6 one carries, where a network may deliver it there: IPv4-mapped
 * (`::ffff:127.0.0.1`), IPv4-translated (RFC 6145), NAT64 (`64:ff9b::/96`, RFC 6052) and 6to4
 * (`2002:AABB:CCDD::`, the address in bits 16–48).
 */
function embeddedIpv4(a: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = a.range();
  const p = a.parts;
  if (range === "ipv4Mapped" || range === "rfc6145" || range === "rfc6052")
    return new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
  if (range === "6to4") return new ipaddr.IPv4([p[1]! >> 8, p[1]! & 0xff, p[2]! >> 8, p[2]! & 0xff]);
  return undefined;
}

/**
 * The address a packet to `a` ends up at for the policy's purposes: the IPv4 address an IPv6 one
 * carries (mapped, NAT64, 6to4), else `a` itself, without an IPv6 zone.
 *
 * @example
 * effectiveAddress(parseIp("::ffff:127.0.0.1")!).toString() // "127.0.0.1"
 */
export function effectiveAddress(a: IpAddress): IpAddress {
  if (a.kind() === "ipv4") return a;
  const v6 = a as ipaddr.IPv6;
  return embeddedIpv4(v6) ?? new ipaddr.IPv6(v6.parts);
}

/**
 * Parses an IP address in any form ipaddr.js reads (`127.0.0.1`, `0x7f000001`, `2130706433`,
 * `127.1`, `::1`, `[::1]`, `fe80::1%eth0`), or undefined when `text` is no address (a host name).
 *
 * @example
 * parseIp("[::1]")?.toString() // "::1"
 */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  return ipaddr.isValid(bare) ? ipaddr.parse(bare) : undefined;
}

/**
 * The kind of an address (see {@link AddressKind}), read from the address it carries when it is
 * an IPv6 wrapping of an IPv4 one: `::ffff:169.254.169.254` is `metadata`, `64:ff9b::7f00:1`
 * `loopback`. Teredo and every range that is not routed on the internet are `reserved`.
 *
 * @example
 * addressKind(parseIp("10.1.2.3")!) // "private"
 * addressKind(parseIp("fd00:ec2::254")!) // "metadata"
 */
export function addressKind(a: IpAddress): AddressKind {
  const e = effectiveAddress(a);
  if (metadataAddresses.includes(e.toNormalizedString())) return "metadata";
  const range = e.range();
  if (range === "unicast" && e.kind() === "ipv6" && (e as ipaddr.IPv6).match(ipv4Compatible))
    return "reserved";
  return kindOfRange[range] ?? "reserved";
}

/** A host name as compared: lower case, without the trailing dot of a fully qualified name. */
export const normalHost = (host: string): string => host.toLowerCase().replace(/\.+$/, "");
