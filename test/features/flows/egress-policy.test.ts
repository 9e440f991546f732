// Issue 16, item 3: the egress policy of the outbound calls users configure (declared services'
// addresses, run callbacks). Every form of address an attacker would write is read as the address
// it is, and refused: metadata in every stage, loopback and private ranges outside `dev`.
import { describe, expect, it } from "vitest";
import { TesseraError } from "../../../src/core/errors.js";
import { addressKind, parseIp } from "../../../src/features/flows/egress-address.js";
import { egressPolicy } from "../../../src/features/flows/egress-policy.js";

const prod = egressPolicy({}, "prod");
const dev = egressPolicy({}, "dev");

describe("egress policy: addresses written in a URL", () => {
  const metadata = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.google.internal./computeMetadata/v1/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://0xa9fea9fe/",
    "http://2852039166/",
    "http://169.254.170.2/v2/credentials",
  ];

  it.each(metadata)("refuses the metadata endpoint %s in every stage, dev included", (url) => {
    expect(dev.refusal(url)).toMatch(/cloud metadata (address|host)/);
    expect(prod.refusal(url)).toMatch(/cloud metadata (address|host)/);
  });

  const refusedOutsideDev: [string, RegExp][] = [
    ["http://127.0.0.1:5432/", /127\.0\.0\.1 is a loopback address/],
    ["http://127.1/", /127\.0\.0\.1 is a loopback address/],
    ["http://0x7f000001/", /127\.0\.0\.1 is a loopback address/],
    ["http://2130706433/", /127\.0\.0\.1 is a loopback address/],
    ["http://0177.0.0.1/", /127\.0\.0\.1 is a loopback address/],
    ["http://[::1]/", /::1 is a loopback address/],
    ["http://[::ffff:127.0.0.1]/", /is a loopback address/],
    ["http://localhost:8080/", /localhost is a loopback address/],
    ["http://api.localhost/", /api\.localhost is a loopback address/],
    ["http://10.1.2.3/", /10\.1\.2\.3 is a private address/],
    ["http://172.16.0.1/", /172\.16\.0\.1 is a private address/],
    ["http://172.31.255.254/", /is a private address/],
    ["http://192.168.1.1/", /192\.168\.1\.1 is a private address/],
    ["http://[fc00::1]/", /fc00::1 is a private address/],
    ["http://[fd12:3456::1]/", /is a private address/],
    ["http://169.254.1.1/", /169\.254\.1\.1 is a link-local address/],
    ["http://[fe80::1]/", /fe80::1 is a link-local address/],
    ["http://100.64.0.1/", /100\.64\.0\.1 is a shared \(CGNAT\) address/],
    ["http://0.0.0.0/", /0\.0\.0\.0 is an unspecified address/],
    ["http://[2002:7f00:1::]/", /is a loopback address/],
  ];

  it.each(refusedOutsideDev)("refuses %s outside dev, allows it in dev", (url, why) => {
    expect(prod.refusal(url)).toMatch(why);
    expect(prod.refusal(url)).toMatch(/refused outside the dev stage/);
    expect(dev.refusal(url)).toBeUndefined();
  });

  it.each(["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "ftp://example.com/", "dict://x:11211/"])(
    "refuses the scheme of %s in every stage",
    (url) => {
      expect(prod.refusal(url)).toMatch(/the scheme \w+: is not allowed/);
      expect(dev.refusal(url)).toMatch(/the scheme \w+: is not allowed/);
    },
  );

  it("allows public addresses and names (a name is checked again at each call)", () => {
    expect(prod.refusal("https://93.184.215.14/quote")).toBeUndefined();
    expect(prod.refusal("https://[2606:4700::1111]/")).toBeUndefined();
    expect(prod.refusal("https://prices.example/quote")).toBeUndefined();
  });

  it("check() throws TESSERA_FORBIDDEN with the URL masked and reason egress", () => {
    let err: unknown;
    try {
      prod.check("http://admin:s3cret@10.0.0.5/x", "service billing");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TesseraError);
    const e = err as TesseraError;
    expect(e.code).toBe("TESSERA_FORBIDDEN");
    expect(e.message).toBe(
      "service billing to http://admin:***@10.0.0.5/x is refused: 10.0.0.5 is a private address: refused outside the dev stage unless egress.cidrs or egress.hosts allows it",
    );
    expect(e.details).toEqual({ reason: "egress", url: "http://admin:***@10.0.0.5/x" });
    expect(JSON.stringify(e)).not.toContain("s3cret");
  });
});

describe("egress policy: settings", () => {
  it("cidrs allow a private range outside dev (IPv4-mapped forms of it too)", () => {
    const p = egressPolicy({ cidrs: ["10.20.0.0/16", "fd12::/16"] }, "prod");
    expect(p.refusal("http://10.20.3.4/")).toBeUndefined();
    expect(p.refusal("http://[::ffff:10.20.3.4]/")).toBeUndefined();
    expect(p.refusal("http://[fd12::7]/")).toBeUndefined();
    expect(p.refusal("http://10.21.0.1/")).toMatch(/private address/);
  });

  it("hosts allow a name whatever it resolves to, exact or by *.suffix", async () => {
    const p = egressPolicy(
      {
        hosts: ["billing.internal", "*.svc.cluster.local"],
        resolve: async () => [{ address: "10.0.0.9", family: 4 }],
      },
      "prod",
    );
    await expect(p.resolve("billing.internal", "http://billing.internal/")).resolves.toHaveLength(1);
    await expect(p.resolve("a.svc.cluster.local", "http://a.svc.cluster.local/")).resolves.toHaveLength(1);
    await expect(p.resolve("svc.cluster.local", "http://svc.cluster.local/")).rejects.toThrow(
      "svc.cluster.local resolves to 10.0.0.9 is a private address",
    );
  });

  it("a metadata address is allowed only by its own address, not by a range that holds it nor by privateAddresses", () => {
    expect(egressPolicy({ cidrs: ["169.254.0.0/16"] }, "dev").refusal("http://169.254.169.254/")).toMatch(
      /metadata/,
    );
    expect(
      egressPolicy({ cidrs: ["0.0.0.0/0"], privateAddresses: true }, "prod").refusal(
        "http://169.254.169.254/",
      ),
    ).toMatch(/metadata/);
    expect(
      egressPolicy({ cidrs: ["169.254.169.254"] }, "prod").refusal("http://169.254.169.254/"),
    ).toBeUndefined();
    expect(
      egressPolicy({ cidrs: ["fd00:ec2::254/128"] }, "prod").refusal("http://[fd00:ec2::254]/"),
    ).toBeUndefined();
    expect(
      egressPolicy({ hosts: ["metadata.google.internal"] }, "prod").refusal(
        "http://metadata.google.internal/",
      ),
    ).toBeUndefined();
  });

  it("privateAddresses: true allows loopback outside dev; false refuses it in dev", () => {
    expect(egressPolicy({ privateAddresses: true }, "prod").refusal("http://127.0.0.1/")).toBeUndefined();
    expect(egressPolicy({ privateAddresses: false }, "dev").refusal("http://127.0.0.1/")).toMatch(/loopback/);
  });

  it("listedOnly refuses what is not listed, public addresses included", async () => {
    const p = egressPolicy(
      {
        listedOnly: true,
        cidrs: ["93.184.215.0/24"],
        resolve: async () => [{ address: "8.8.8.8", family: 4 }],
      },
      "prod",
    );
    expect(p.refusal("http://93.184.215.14/")).toBeUndefined();
    expect(p.refusal("http://8.8.8.8/")).toMatch(
      /8\.8\.8\.8 is not in egress\.hosts or egress\.cidrs \(egress\.listedOnly\)/,
    );
    await expect(p.resolve("other.example", "http://other.example/")).rejects.toThrow(/listedOnly/);
  });

  it("schemes narrows to https", () => {
    const p = egressPolicy({ schemes: ["https"] }, "prod");
    expect(p.refusal("http://prices.example/")).toBe(
      "the scheme http: is not allowed (egress.schemes: https)",
    );
    expect(p.refusal("https://prices.example/")).toBeUndefined();
  });

  it("refuses invalid settings with TESSERA_CONFIG listing every problem", () => {
    expect(() =>
      egressPolicy(
        {
          schemes: ["gopher"],
          cidrs: ["10.0.0.0/33", "nope"],
          hosts: [""],
          privateAddresses: "yes" as never,
        },
        "prod",
      ),
    ).toThrow(
      'invalid egress settings: egress.schemes: "gopher" cannot be called (only http and https); egress.hosts must be a list of non-empty strings; egress.cidrs: "10.0.0.0/33" is not an address or a CIDR range; egress.cidrs: "nope" is not an address or a CIDR range; egress.privateAddresses must be true or false',
    );
  });
});

describe("egress policy: resolved addresses (checked at each call)", () => {
  it("refuses a name that resolves to a private address outside dev, and names both", async () => {
    const p = egressPolicy({ resolve: async () => [{ address: "10.9.8.7", family: 4 }] }, "prod");
    await expect(p.resolve("innocent.example", "http://innocent.example/x")).rejects.toMatchObject({
      code: "TESSERA_FORBIDDEN",
      message:
        "the call to http://innocent.example/x is refused: innocent.example resolves to 10.9.8.7 is a private address: refused outside the dev stage unless egress.cidrs or egress.hosts allows it",
    });
  });

  it("refuses a name when any of its addresses is refused (a public one beside it does not help)", async () => {
    const p = egressPolicy(
      {
        resolve: async () => [
          { address: "93.184.215.14", family: 4 },
          { address: "::ffff:169.254.169.254", family: 6 },
        ],
      },
      "dev",
    );
    await expect(p.resolve("rebind.example", "http://rebind.example/")).rejects.toThrow(
      /cloud metadata address/,
    );
  });

  it("refuses localhost as resolved by the system outside dev", async () => {
    await expect(prod.resolve("localhost", "http://localhost/")).rejects.toThrow(/loopback address/);
    await expect(dev.resolve("localhost", "http://localhost/")).resolves.not.toHaveLength(0);
  });

  it("classifies embedded IPv4 addresses by the address they carry", () => {
    expect(addressKind(parseIp("::ffff:10.0.0.1")!)).toBe("private");
    expect(addressKind(parseIp("64:ff9b::7f00:1")!)).toBe("loopback");
    expect(addressKind(parseIp("::7f00:1")!)).toBe("reserved");
    expect(addressKind(parseIp("2001::1")!)).toBe("reserved");
    expect(addressKind(parseIp("8.8.8.8")!)).toBe("public");
  });
});
