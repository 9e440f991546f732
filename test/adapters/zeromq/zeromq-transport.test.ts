import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { zeromqTransport } from "../../../src/adapters/zeromq/index.js";
import { TesseraError } from "../../../src/core/errors.js";
import { transportContract } from "../../contract/transport-contract.js";

/** A loopback port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// `a` listens, `b` connects to it: the link carries traffic both ways.
transportContract("zeromq", async () => {
  const endpoint = `127.0.0.1:${await freePort()}`;
  const a = zeromqTransport({ bind: [endpoint] });
  const b = zeromqTransport({ connect: [endpoint] });
  return {
    a,
    b,
    cleanup: async () => {
      await a.close();
      await b.close();
    },
  };
});

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (data: Uint8Array) => new TextDecoder().decode(data);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    return (err as TesseraError).code;
  }
  throw new Error("expected a rejection");
}

describe("zeromq transport specifics", () => {
  it("has no durable streams nor last-value store: those need a broker", () => {
    const t = zeromqTransport();
    expect(t.durable).toBeUndefined();
    expect(t.lastValues).toBeUndefined();
  });

  it("refuses an endpoint that is not host:port with TESSERA_CONFIG", () => {
    expect(() => zeromqTransport({ connect: ["nats://localhost:4222"] })).toThrow(/not an endpoint/);
  });

  it("fails to connect with TESSERA_UNAVAILABLE naming the endpoint when its port is taken", async () => {
    const endpoint = `127.0.0.1:${await freePort()}`;
    const first = zeromqTransport({ bind: [endpoint] });
    await first.connect();
    try {
      const second = zeromqTransport({ bind: [endpoint] });
      await expect(second.connect()).rejects.toThrow(new RegExp(`cannot listen on tcp://${endpoint}`));
    } finally {
      await first.close();
    }
  });

  it("learns the responders of a peer that starts after it, and forgets a peer that stops", async () => {
    const endpoint = `127.0.0.1:${await freePort()}`;
    const client = zeromqTransport({ connect: [endpoint], helloTimeoutMs: 100 });
    await client.connect();
    expect(await codeOf(client.request("late.echo", enc("?"), { timeoutMs: 1000 }))).toBe(
      "TESSERA_UNAVAILABLE",
    );
    const server = zeromqTransport({ bind: [endpoint] });
    await server.connect();
    await server.respond("late.echo", {}, (msg) => ({ data: enc(`re:${dec(msg.data)}`) }));
    try {
      await expect
        .poll(async () => dec((await client.request("late.echo", enc("x"), { timeoutMs: 1000 })).data), {
          timeout: 5000,
          interval: 50,
        })
        .toBe("re:x");
      await server.close();
      expect(await codeOf(client.request("late.echo", enc("?"), { timeoutMs: 1000 }))).toBe(
        "TESSERA_UNAVAILABLE",
      );
    } finally {
      await server.close();
      await client.close();
    }
  });

  it("gives a subscriber on a restarted server the publications of a client again", async () => {
    const endpoint = `127.0.0.1:${await freePort()}`;
    const client = zeromqTransport({ connect: [endpoint], helloTimeoutMs: 100 });
    await client.connect();
    const got: string[] = [];
    const start = async () => {
      const server = zeromqTransport({ bind: [endpoint] });
      await server.connect();
      await server.subscribe("ticks.>", {}, (msg) => {
        got.push(dec(msg.data));
      });
      return server;
    };
    let server = await start();
    try {
      await expect
        .poll(async () => {
          await client.publish("ticks.a", enc("1"));
          return got.includes("1");
        })
        .toBe(true);
      await server.close();
      server = await start();
      await expect
        .poll(
          async () => {
            await client.publish("ticks.a", enc("2"));
            return got.includes("2");
          },
          { timeout: 5000, interval: 50 },
        )
        .toBe(true);
    } finally {
      await server.close();
      await client.close();
    }
  });
});
