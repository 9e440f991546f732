// Issue 18 verification, finding 3: addresses files as a service_framework user writes them
// (its sections and roles, tcp://host:port URLs, lists) got errors that did not say what our
// format is, and "4 problems" over a list of 3. Now: tcp://host:port is taken as host:port, the
// seed's layout and forms are named with the exact fix, our format is said after the problems,
// and the header counts the lines listed (one per entry).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TesseraError } from "../../../src/core/errors.js";
import { service } from "../../../src/core/service.js";
import {
  ADDRESSES_FORMAT,
  addressOf,
  checkAddresses,
  loadAddresses,
} from "../../../src/features/connections/addresses.js";
import {
  args,
  directLinks,
  publisher,
  publishSubscribe,
  replier,
  requester,
  requestReply,
} from "../../../src/features/connections/index.js";

function configError(f: () => unknown): TesseraError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_CONFIG");
    return err as TesseraError;
  }
  throw new Error("expected a TESSERA_CONFIG error");
}

/** The problems an error lists: its indented lines. */
const listed = (message: string) => message.split("\n").filter((l) => l.startsWith("  "));

/** A file in the seed's own layout (from service_framework's tests: sections, a role per name). */
const seedFile = {
  connections: { in: { cancel_order: { replyer: "127.0.0.1:7999" } } },
  states: { in: { market_price: { subscriber: "127.0.0.1:10900", requester: "127.0.0.1:10901" } } },
};

describe("addresses files as a service_framework user writes them", () => {
  it("regression: the header said 4 problems and listed 3: the count is the number of lines listed, one per entry", () => {
    const files: unknown[] = [
      seedFile,
      { quote: "bad subject", "x..y": "a.b", trades: { subject: "a.*", topics: "AAPL", queue: 1 } },
      {
        a: { endpoint: "localhost" },
        b: "127.0.0.1:99999",
        c: null,
        d: ["x", "y"],
        e: { replyer: "tcp://h:1" },
      },
      {
        in: { reply: { replyer: "127.0.0.1:18999" } },
        out: { request: { requester: "127.0.0.1:18899" } },
        q: 5,
      },
    ];
    for (const file of files) {
      const err = configError(() => checkAddresses(file, "f.json"));
      const count = Number(/^f\.json: (\d+) problems?:/.exec(err.message)?.[1]);
      const problems = (err.details as { problems: string[] }).problems;
      expect(listed(err.message)).toHaveLength(count);
      expect(problems).toHaveLength(count);
      expect(listed(err.message)).toEqual(problems.map((p) => `  ${p}`));
      // What our format is, after the problems.
      expect(err.message.endsWith(ADDRESSES_FORMAT)).toBe(true);
    }
  });

  it("tcp://host:port (the seed's ZeroMQ endpoints) was refused: it is taken as host:port, as a string and as endpoint", () => {
    const addresses = checkAddresses({
      cancel_order: "tcp://127.0.0.1:5555",
      trades: { endpoint: "tcp://feed.internal:5556", topics: ["AAPL"] },
    });
    expect(addresses).toEqual({
      cancel_order: "127.0.0.1:5555",
      trades: { endpoint: "feed.internal:5556", topics: ["AAPL"] },
    });
    expect(addressOf(addresses, "desk", "cancel_order")).toEqual({
      subject: "tessera.conn.cancel_order",
      endpoint: "127.0.0.1:5555",
    });
    // From a file, and through directLinks given the raw object.
    const dir = mkdtempSync(join(tmpdir(), "tesserae-seed-"));
    const file = join(dir, "addresses.json");
    writeFileSync(file, JSON.stringify({ cancel_order: "tcp://127.0.0.1:5555" }));
    expect(loadAddresses(file)).toEqual({ cancel_order: "127.0.0.1:5555" });
    const cancel = requestReply("cancel_order", { args: args({ id: z.string() }), returns: args({}) });
    const trader = service("trader", { uses: [replier(cancel, () => ({}))] });
    const client = service("client", { uses: [requester(cancel)] });
    expect(directLinks({ cancel_order: "tcp://127.0.0.1:5555" }, [trader])).toEqual({
      bind: ["127.0.0.1:5555"],
      connect: [],
    });
    expect(directLinks({ cancel_order: "tcp://127.0.0.1:5555" }, [client])).toEqual({
      bind: [],
      connect: ["127.0.0.1:5555"],
    });
  });

  it("the seed's layout (connections/states, in/out, a role per name) is named, with the flat file it means", () => {
    const err = configError(() => checkAddresses(seedFile, "exchange.json"));
    expect(err.message).toContain("exchange.json: 1 problem:");
    expect(err.message).toContain(`"connections", "states": service_framework's layout`);
    expect(err.message).toContain(
      'write instead: {"cancel_order":"127.0.0.1:7999","market_price":"127.0.0.1:10900"}',
    );
    expect(err.message).toContain("market_price: several endpoints, the first kept");
    // Its older layout, in/out at the top, and the { type, address } form under "connections".
    expect(
      configError(() => checkAddresses({ in: { reply: { replyer: "tcp://127.0.0.1:18999" } } })).message,
    ).toContain('write instead: {"reply":"127.0.0.1:18999"}');
    expect(
      configError(() =>
        checkAddresses({ connections: { quote: { type: "replyer", address: "tcp://127.0.0.1:5555" } } }),
      ).message,
    ).toContain('write instead: {"quote":"127.0.0.1:5555"}');
  });

  it("the seed's forms of one entry get the exact fix", () => {
    const err = configError(() =>
      checkAddresses({
        quote: { type: "replyer", address: "tcp://127.0.0.1:5555" },
        fills: { publisher: "127.0.0.1:6000" },
        book: ["tcp://127.0.0.1:7000"],
        "127.0.0.1:7001": "trades",
      }),
    );
    expect(err.details).toEqual({
      problems: [
        `quote: { "type", "address" } is service_framework's form; here the role is declared in code (replier, subscriber, owns… in the service's uses) and the file gives the address alone: write "quote": "127.0.0.1:5555"`,
        `fills: { "publisher" } is service_framework's form; here the role is declared in code (replier, subscriber, owns… in the service's uses) and the file gives the address alone: write "fills": "127.0.0.1:6000"`,
        'book: a list, but a name has one subject or one host:port (the side that serves it listens there, the others connect): write "book": "127.0.0.1:7000"',
        '"127.0.0.1:7001": an endpoint where a name goes: write "trades": "127.0.0.1:7001"',
      ],
    });
  });

  it("endpoints we cannot take say why and what to write: tcp://*:port, other schemes", () => {
    const err = configError(() => checkAddresses({ quote: "tcp://*:5555", fills: "ipc:///tmp/fills" }));
    expect(err.details).toEqual({
      problems: [
        `quote: "tcp://*:5555" binds every interface in ZeroMQ, but here one endpoint serves both sides (the server listens on it, the others connect to it): give the host the others reach, e.g. "127.0.0.1:5555"`,
        'fills: "ipc:///tmp/fills": only TCP endpoints are supported ("host:port" or "tcp://host:port"), not ipc://',
      ],
    });
    // Without a port, a word is a one-token subject, not an endpoint.
    expect(checkAddresses({ book: "localhost" })).toEqual({ book: "localhost" });
  });

  it("a list or a value at the top says what an addresses file is", () => {
    const err = configError(() =>
      checkAddresses([{ name: "quote", address: "tcp://127.0.0.1:1" }], "a.json"),
    );
    expect(err.message).toBe(`a.json: a list, not an object of names. ${ADDRESSES_FORMAT}`);
  });

  it("keeps publishers and subscribers on tcp:// endpoints wired as host:port", () => {
    const fills = publishSubscribe("fills", { args: args({ qty: z.number() }) });
    const desk = service("desk", { uses: [publisher(fills)] });
    expect(directLinks({ fills: { endpoint: "tcp://127.0.0.1:6001" } }, [desk])).toEqual({
      bind: ["127.0.0.1:6001"],
      connect: [],
    });
  });
});
