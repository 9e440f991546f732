import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import { connectionSecurity } from "../../../src/adapters/nats/nats-security.js";
import { isBrokerFailure } from "../../../src/core/broker-failure.js";
import { TesseraError } from "../../../src/core/errors.js";
import { freePort } from "../../support/nats-server.js";
import { natsServerInstalled, reachable } from "../../support/servers.js";

const secret = "s3cr3t-Pa55";

describe("NATS credentials in the URL (issue 15, item 6)", () => {
  it("user and password in a server URL are passed as options (nats.js v3 ignored them)", () => {
    const { servers, options } = connectionSecurity([
      `nats://app:${encodeURIComponent(secret)}@nats-1:4222`,
      `nats://app:${secret}@nats-2:4222`,
    ]);
    expect(servers).toEqual(["nats://nats-1:4222", "nats://nats-2:4222"]);
    expect(options).toMatchObject({ user: "app", pass: secret });
  });

  it("a lone user part is a token; settings win over the URL; NKey, creds and TLS become options", () => {
    expect(connectionSecurity(["nats://tok3n@h:4222"]).options).toEqual({ token: "tok3n" });
    expect(connectionSecurity(["nats://a:b@h:4222"], { user: "x", pass: "y" }).options).toEqual({
      user: "x",
      pass: "y",
    });
    const secured = connectionSecurity(["tls://h:4222"], {
      nkeySeed: "SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4",
      tls: { caFile: "/etc/nats/ca.pem", certFile: "/etc/nats/node.pem", keyFile: "/etc/nats/node-key.pem" },
    });
    expect(typeof secured.options.authenticator).toBe("function");
    expect(secured.options.tls).toEqual({
      caFile: "/etc/nats/ca.pem",
      certFile: "/etc/nats/node.pem",
      keyFile: "/etc/nats/node-key.pem",
    });
  });

  it("the connection error no longer prints the NATS password, and is a broker failure", async () => {
    const t = natsTransport({
      servers: `nats://app:${secret}@127.0.0.1:1`,
      connect: () => Promise.reject(new Error("ECONNREFUSED")),
    });
    const err = await t.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).message).toContain("nats://app:***@127.0.0.1:1");
    expect(JSON.stringify((err as TesseraError).toJSON())).not.toContain(secret);
    expect(isBrokerFailure(err)).toBe(true);
  });

  it("a request on an unconnected transport is a broker failure, not the target's", async () => {
    const t = natsTransport({ connect: () => Promise.reject(new Error("never")) });
    const err = await t.request("a.b", new Uint8Array(), { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(isBrokerFailure(err)).toBe(true);
  });
});

/** A private nats-server requiring `args` (e.g. --user/--pass), stopped by its PID. */
async function authServer(args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), ...args], { stdio: "ignore" });
  const until = Date.now() + 10_000;
  while (!(await reachable(port, "127.0.0.1", 200))) {
    if (Date.now() > until) throw new Error(`nats-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, child };
}

async function roundTrip(url: string): Promise<string> {
  const t = natsTransport({ servers: url, name: "security-test" });
  await t.connect();
  try {
    await t.respond("sec.echo", {}, (m) => ({ data: m.data }));
    const reply = await t.request("sec.echo", new TextEncoder().encode("hi"), { timeoutMs: 5000 });
    return new TextDecoder().decode(reply.data);
  } finally {
    await t.close();
  }
}

if (await natsServerInstalled()) {
  describe("against a nats-server that requires credentials", () => {
    let userPass: { port: number; child: ChildProcess };
    let token: { port: number; child: ChildProcess };
    beforeAll(async () => {
      userPass = await authServer(["--user", "app", "--pass", secret]);
      token = await authServer(["--auth", "tok3n"]);
    });
    afterAll(() => {
      userPass?.child.kill("SIGTERM");
      token?.child.kill("SIGTERM");
    });

    it("user:password in the URL connects (it was refused: nats.js v3 does not read them)", async () => {
      expect(await roundTrip(`nats://app:${secret}@127.0.0.1:${userPass.port}`)).toBe("hi");
    });

    it("a token in the URL connects", async () => {
      expect(await roundTrip(`nats://tok3n@127.0.0.1:${token.port}`)).toBe("hi");
    });

    it("a wrong password is refused with an error that does not print it", async () => {
      const wrong = "not-the-Pa55";
      const t = natsTransport({
        servers: `nats://app:${wrong}@127.0.0.1:${userPass.port}`,
        connectionOptions: { maxReconnectAttempts: 0, timeout: 3000 },
      });
      const err = await t.connect().catch((e: unknown) => e);
      await t.close();
      expect(err).toBeInstanceOf(TesseraError);
      expect((err as TesseraError).message).not.toContain(wrong);
      expect((err as TesseraError).message).toContain("app:***@");
    });
  });
}
