// Issue 16, item 3: outbound POSTs under the egress policy. The name is resolved once, every
// address checked, and the socket connects to the checked address (no second resolution that a
// DNS rebinding could answer otherwise); redirects are answered, never followed.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { egressPolicy, type ResolvedAddress } from "../../../src/features/flows/egress-policy.js";
import { egressPost } from "../../../src/features/flows/egress-request.js";

const seen: { path: string; auth: string | undefined }[] = [];
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ path: req.url ?? "", auth: req.headers.authorization });
    req.resume();
    req.on("end", () => {
      if (req.url === "/redirect") res.writeHead(307, { location: `http://127.0.0.1:${port}/target` }).end();
      else if (req.url === "/slow") setTimeout(() => res.writeHead(200).end("{}"), 2000);
      else if (req.url === "/big") res.writeHead(200).end("x".repeat(5000));
      else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => {
  seen.length = 0;
});

const post = (
  policy: ReturnType<typeof egressPolicy>,
  url: string,
  extra: { timeoutMs?: number; maxBytes?: number } = {},
) =>
  egressPost(policy, {
    url,
    body: "{}",
    headers: { "content-type": "application/json" },
    timeoutMs: extra.timeoutMs ?? 5000,
    ...(extra.maxBytes === undefined ? {} : { maxBytes: extra.maxBytes }),
  });

/** A resolver that answers `first` once, then `later`, and counts its calls. */
function rebinding(first: string, later: string) {
  const calls: string[] = [];
  const resolve = async (host: string): Promise<ResolvedAddress[]> => {
    calls.push(host);
    return [{ address: calls.length === 1 ? first : later, family: 4 }];
  };
  return { calls, resolve };
}

describe("egressPost", () => {
  it("connects to the address the policy checked: a made-up name resolved by the policy's resolver reaches the server, with one resolution", async () => {
    const dns = rebinding("127.0.0.1", "169.254.169.254");
    const policy = egressPolicy({ resolve: dns.resolve }, "dev");
    const answer = await post(policy, `http://service.invalid:${port}/x`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ ok: true });
    expect(seen.map((s) => s.path)).toEqual(["/x"]);
    // One resolution, checked and connected to: a later answer (the metadata address) is never asked for.
    expect(dns.calls).toEqual(["service.invalid"]);
  });

  it("refuses a name that resolves to loopback outside dev, before any connection", async () => {
    const policy = egressPolicy({ resolve: async () => [{ address: "127.0.0.1", family: 4 }] }, "prod");
    await expect(post(policy, `http://innocent.invalid:${port}/x`)).rejects.toMatchObject({
      code: "TESSERA_FORBIDDEN",
      details: { reason: "egress" },
      message: expect.stringContaining("innocent.invalid resolves to 127.0.0.1 is a loopback address"),
    });
    expect(seen).toEqual([]);
  });

  it("refuses localhost (resolved by the system) outside dev", async () => {
    await expect(post(egressPolicy({}, "prod"), `http://localhost:${port}/x`)).rejects.toMatchObject({
      code: "TESSERA_FORBIDDEN",
    });
    expect(seen).toEqual([]);
  });

  it("refuses a loopback address written in the URL outside dev (no lookup happens for an address)", async () => {
    for (const host of ["127.0.0.1", "0x7f000001", "2130706433", "127.1", "[::ffff:127.0.0.1]"])
      await expect(post(egressPolicy({}, "prod"), `http://${host}:${port}/x`)).rejects.toMatchObject({
        code: "TESSERA_FORBIDDEN",
      });
    expect(seen).toEqual([]);
  });

  it("does not follow a 307: the answer is the redirect, its target is never called", async () => {
    const answer = await post(egressPolicy({}, "dev"), `http://127.0.0.1:${port}/redirect`);
    expect(answer.status).toBe(307);
    expect(seen.map((s) => s.path)).toEqual(["/redirect"]);
  });

  it("sends credentials written in the URL as basic auth", async () => {
    await post(egressPolicy({}, "dev"), `http://ops:s3cret@127.0.0.1:${port}/x`);
    expect(seen[0]?.auth).toBe(`Basic ${Buffer.from("ops:s3cret").toString("base64")}`);
  });

  it("fails with TESSERA_TIMEOUT past its deadline, and with TESSERA_PAYLOAD_TOO_LARGE past maxBytes", async () => {
    await expect(
      post(egressPolicy({}, "dev"), `http://127.0.0.1:${port}/slow`, { timeoutMs: 100 }),
    ).rejects.toMatchObject({
      code: "TESSERA_TIMEOUT",
    });
    await expect(
      post(egressPolicy({}, "dev"), `http://127.0.0.1:${port}/big`, { maxBytes: 1000 }),
    ).rejects.toMatchObject({
      code: "TESSERA_PAYLOAD_TOO_LARGE",
    });
  });

  it("fails with TESSERA_UNAVAILABLE when nothing listens", async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, "127.0.0.1", r));
    const gone = (free.address() as AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    await expect(post(egressPolicy({}, "dev"), `http://127.0.0.1:${gone}/x`)).rejects.toMatchObject({
      code: "TESSERA_UNAVAILABLE",
      message: "unreachable (ECONNREFUSED)",
    });
  });
});
