import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { entry } from "../../../src/core/entry.js";
import { TesseraError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode, type TesseraNode } from "../../../src/core/node.js";
import { type ServiceDef, service } from "../../../src/core/service.js";
import { errorOfReply } from "../../../src/core/wire-reply.js";
import {
  type Addresses,
  args,
  checkAddresses,
  connections,
  loadAddresses,
  optional,
  publisher,
  publishSubscribe,
  replier,
  requester,
  requestReply,
  subscriber,
} from "../../../src/features/connections/index.js";

const quote = requestReply("quote", {
  args: args({ symbol: z.string().min(1), currency: optional(z.enum(["USD", "EUR"])) }),
  returns: args({ price: z.number(), venue: optional(z.string()) }),
});
const trades = publishSubscribe("trades", { args: args({ symbol: z.string(), qty: z.number().int() }) });

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

async function rejection(p: Promise<unknown>): Promise<TesseraError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    return err as TesseraError;
  }
  throw new Error("expected a rejection");
}

describe("wired connections", () => {
  const nodes: TesseraNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });
  const start = async (bus: MemoryBus, services: ServiceDef[], addresses: Addresses = {}) => {
    const node = createNode({
      services,
      transport: memoryTransport({ bus }),
      plugins: [connections({ addresses, requestTimeout: 2000 })],
      logger: silentLogger,
    });
    nodes.push(node);
    await node.start();
    return node;
  };

  function pricing(name = "pricing", price: (symbol: string) => unknown = () => ({ price: 101.5 })) {
    const calls: unknown[] = [];
    const svc = service(name, {
      uses: [
        replier(quote, (a) => {
          calls.push(a);
          return price(a.symbol) as { price: number };
        }),
      ],
    });
    return { svc, calls };
  }
  const trader = service("trader", {
    uses: [requester(quote), publisher(trades)],
    entries: {
      ask: entry({ input: z.unknown() }, (input, ctx) => ctx.use(quote).request(input as { symbol: string })),
      trade: entry({ input: z.unknown() }, (input, ctx) =>
        ctx.use(trades).publish(input as { symbol: string; qty: number }),
      ),
    },
  });

  it("carries a request and its reply, both checked, on the subject the addresses name", async () => {
    const bus = createMemoryBus();
    const { svc, calls } = pricing();
    const seen: string[] = [];
    bus.add({ pattern: "desk.quote", queue: undefined, deliver: (m) => seen.push(m.subject) });
    await start(bus, [svc], { quote: "desk.quote" });
    const client = await start(bus, [trader], { quote: "desk.quote" });
    expect(await client.call(trader.entries.ask, { symbol: "AAPL", currency: "EUR" })).toEqual({
      price: 101.5,
    });
    expect(calls).toEqual([{ symbol: "AAPL", currency: "EUR" }]);
    expect(seen).toEqual(["desk.quote"]);
  });

  it("makes what a handler sends part of its call: request id, identity, trace, and no wait past its deadline", async () => {
    const bus = createMemoryBus();
    const seen: { requestId: string; identity: unknown; deadline: number | undefined; traceId: string }[] =
      [];
    const slow = service("pricing", {
      uses: [
        replier(quote, async (_a, ctx) => {
          seen.push({
            requestId: ctx.requestId,
            identity: ctx.identity,
            deadline: ctx.deadline,
            traceId: ctx.trace.traceId,
          });
          await new Promise((r) => setTimeout(r, 300));
          return { price: 1 };
        }),
      ],
    });
    const traced = service("sub", {
      uses: [
        subscriber(trades, (_m, ctx) => {
          seen.push({
            requestId: ctx.requestId,
            identity: ctx.identity,
            deadline: ctx.deadline,
            traceId: ctx.trace.traceId,
          });
        }),
      ],
    });
    const settled: { code: string; ms: number }[] = [];
    const asker = service("asker", {
      uses: [requester(quote), publisher(trades)],
      entries: {
        ask: entry({ input: z.unknown() }, async (_i, ctx) => {
          const t0 = Date.now();
          await ctx
            .use(quote)
            .request({ symbol: "AAPL" })
            .catch((e: TesseraError) => settled.push({ code: e.code, ms: Date.now() - t0 }));
        }),
        trade: entry({ input: z.unknown() }, (input, ctx) =>
          ctx.use(trades).publish(input as { symbol: string; qty: number }),
        ),
      },
    });
    await start(bus, [slow, traced]);
    const client = await start(bus, [asker]);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const root = {
      requestId: "req-7",
      identity: { sub: "ada" },
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    };
    const before = Date.now();
    await rejection(client.call(asker.entries.ask, {}, { ...root, timeout: 100 }));
    // The request inside gave up at the caller's deadline (100 ms), not the connection's 2 s.
    await vi.waitFor(() => expect(settled).toHaveLength(1));
    expect(settled[0]!.code).toBe("TESSERA_TIMEOUT");
    expect(settled[0]!.ms).toBeLessThan(1000);
    await client.call(asker.entries.trade, { symbol: "AAPL", qty: 1 }, root);
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[0]).toMatchObject({ requestId: "req-7", identity: { sub: "ada" }, traceId });
    expect(seen[0]!.deadline).toBeLessThanOrEqual(before + 100 + 50);
    expect(seen[1]).toEqual({ requestId: "req-7", identity: { sub: "ada" }, deadline: undefined, traceId });
  });

  describe("argument models on send: refused with every problem, nothing sent", () => {
    it.each([
      [
        "a missing required key",
        { currency: "USD" },
        [{ path: "symbol", message: "required argument missing" }],
      ],
      [
        "a key of the wrong type",
        { symbol: 5 },
        [{ path: "symbol", message: expect.stringContaining("string") }],
      ],
      [
        "an optional key of the wrong type",
        { symbol: "A", currency: "GBP" },
        [{ path: "currency", message: expect.any(String) }],
      ],
      ["an unknown key", { symbol: "A", side: "buy" }, [{ path: "side", message: "unknown argument" }]],
      ["not an object", "AAPL", [{ path: "", message: "expected an object of named arguments" }]],
    ])("%s", async (_what, input, issues) => {
      const bus = createMemoryBus();
      const { svc, calls } = pricing();
      await start(bus, [svc]);
      const client = await start(bus, [trader]);
      const err = await rejection(client.call(trader.entries.ask, input));
      expect(err.code).toBe("TESSERA_VALIDATION");
      expect(err.message).toMatch(/^invalid arguments of quote: /);
      expect((err.details as { issues: unknown }).issues).toEqual(issues);
      expect(calls).toEqual([]);
    });

    it("lists every problem of one message at once", async () => {
      const bus = createMemoryBus();
      const client = await start(bus, [trader]);
      const err = await rejection(client.call(trader.entries.ask, { currency: 1, side: "buy" }));
      expect((err.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
        "symbol",
        "currency",
        "side",
      ]);
    });

    it("accepts a message without its optional keys", async () => {
      const bus = createMemoryBus();
      const { svc } = pricing();
      await start(bus, [svc]);
      const client = await start(bus, [trader]);
      expect(await client.call(trader.entries.ask, { symbol: "AAPL" })).toEqual({ price: 101.5 });
    });
  });

  it("checks on receipt too: a request that bypassed the sender's check gets a clear error back, the replier never sees it", async () => {
    const bus = createMemoryBus();
    const { svc, calls } = pricing();
    await start(bus, [svc]);
    const raw = memoryTransport({ bus });
    await raw.connect();
    const reply = await raw.request("tessera.conn.quote", enc({ symbol: "", extra: 1 }), { timeoutMs: 1000 });
    const err = errorOfReply(reply);
    expect(err?.code).toBe("TESSERA_VALIDATION");
    expect(err?.message).toMatch(/^invalid arguments of quote: symbol: .*; extra: unknown argument$/);
    expect(calls).toEqual([]);
    await raw.close();
  });

  it("answers a reply that fails its return model with an error saying why (the requester is not left waiting)", async () => {
    const bus = createMemoryBus();
    const { svc } = pricing("pricing", () => ({ price: "high", rogue: true }));
    await start(bus, [svc]);
    const client = await start(bus, [trader]);
    const t0 = Date.now();
    const err = await rejection(client.call(trader.entries.ask, { symbol: "AAPL" }));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err.code).toBe("TESSERA_INTERNAL");
    expect(err.message).toMatch(/^invalid reply of quote: price: .*; rogue: unknown argument$/);
  });

  it("checks the reply on receipt: a reply from a replier that skipped its check is refused", async () => {
    const bus = createMemoryBus();
    const raw = memoryTransport({ bus });
    await raw.connect();
    await raw.respond("tessera.conn.quote", {}, () => ({ data: enc({ cost: 3 }) }));
    const client = await start(bus, [trader]);
    const err = await rejection(client.call(trader.entries.ask, { symbol: "AAPL" }));
    expect(err.code).toBe("TESSERA_VALIDATION");
    expect(err.message).toBe(
      "invalid reply of quote: price: required argument missing; cost: unknown argument",
    );
    await raw.close();
  });

  it("publishes to subscribers, checked on send and on receipt, by topic when the addresses say so", async () => {
    const bus = createMemoryBus();
    const got: { service: string; args: unknown; topic: string | undefined }[] = [];
    const listener = (name: string) =>
      service(name, {
        uses: [subscriber(trades, (a, _ctx, topic) => void got.push({ service: name, args: a, topic }))],
      });
    const addresses = {
      trades: "desk.trades",
      "aapl-only.trades": { subject: "desk.trades", topics: ["AAPL"] },
    };
    await start(bus, [listener("all"), listener("aapl-only")], addresses);
    const client = await start(bus, [trader], addresses);
    await client.use(trades, "trader").publish({ symbol: "AAPL", qty: 1 }, { topic: "AAPL" });
    await client.use(trades, "trader").publish({ symbol: "MSFT", qty: 2 }, { topic: "MSFT" });
    await client.call(trader.entries.trade, { symbol: "IBM", qty: 3 });
    const err = await rejection(client.call(trader.entries.trade, { symbol: "IBM", qty: 1.5 }));
    expect(err.code).toBe("TESSERA_VALIDATION");
    // A message that skipped the sender's check never reaches a handler.
    const raw = memoryTransport({ bus });
    await raw.connect();
    await raw.publish("desk.trades.AAPL", enc({ symbol: "AAPL" }));
    await vi.waitFor(() => expect(got).toHaveLength(4));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(4);
    expect(got).toEqual(
      expect.arrayContaining([
        { service: "all", args: { symbol: "AAPL", qty: 1 }, topic: "AAPL" },
        { service: "aapl-only", args: { symbol: "AAPL", qty: 1 }, topic: "AAPL" },
        { service: "all", args: { symbol: "MSFT", qty: 2 }, topic: "MSFT" },
        { service: "all", args: { symbol: "IBM", qty: 3 }, topic: undefined },
      ]),
    );
    await raw.close();
  });

  it("delivers every publication to every instance of a subscribing service (a SUB socket's fan-out)", async () => {
    const bus = createMemoryBus();
    const got: string[] = [];
    const instance = (id: string) =>
      service("watcher", { uses: [subscriber(trades, (a) => void got.push(`${id}:${a.symbol}`))] });
    await start(bus, [instance("a")]);
    await start(bus, [instance("b")]);
    const client = await start(bus, [trader]);
    for (const symbol of ["AAPL", "MSFT", "IBM"])
      await client.use(trades, "trader").publish({ symbol, qty: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(6));
    expect(got.sort()).toEqual(["a:AAPL", "a:IBM", "a:MSFT", "b:AAPL", "b:IBM", "b:MSFT"]);
  });

  it("shares publications among the instances of a service with { queue: true }: each reaches one", async () => {
    const bus = createMemoryBus();
    const got: string[] = [];
    const other: string[] = [];
    const instance = (id: string) =>
      service("worker", {
        uses: [subscriber(trades, (a) => void got.push(`${id}:${a.symbol}`), { queue: true })],
      });
    await start(bus, [instance("a")]);
    await start(bus, [instance("b")]);
    // Another subscribing service still gets its own copy of each message.
    await start(bus, [service("audit", { uses: [subscriber(trades, (a) => void other.push(a.symbol))] })]);
    const client = await start(bus, [trader]);
    const symbols = Array.from({ length: 20 }, (_, i) => `S${i}`);
    for (const symbol of symbols) await client.use(trades, "trader").publish({ symbol, qty: 1 });
    await vi.waitFor(() => expect(other).toHaveLength(20));
    await vi.waitFor(() => expect(got).toHaveLength(20));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(20);
    expect(got.map((g) => g.split(":")[1]).sort()).toEqual([...symbols].sort());
  });

  it("refuses subscriber options it does not know", () => {
    expect(() => subscriber(trades, () => undefined, { queue: "yes" } as never)).toThrow(/queue/);
  });

  it("runs the same service files in two topologies: wiring is configuration", async () => {
    const bus = createMemoryBus();
    const { svc: eu } = pricing("pricing-eu", () => ({ price: 1, venue: "EU" }));
    const { svc: us } = pricing("pricing-us", () => ({ price: 2, venue: "US" }));
    const desk = (name: string) => service(name, { uses: [requester(quote)] });
    const addresses = {
      "pricing-eu.quote": "px.eu",
      "pricing-us.quote": "px.us",
      "desk-a.quote": "px.eu",
      "desk-b.quote": "px.us",
    };
    await start(bus, [eu, us], addresses);
    const client = await start(bus, [desk("desk-a"), desk("desk-b")], addresses);
    expect(await client.use(quote, "desk-a").request({ symbol: "X" })).toEqual({ price: 1, venue: "EU" });
    expect(await client.use(quote, "desk-b").request({ symbol: "X" })).toEqual({ price: 2, venue: "US" });
  });

  it("refuses a send by a service that does not declare the connection", async () => {
    const bus = createMemoryBus();
    const stranger = service("stranger", { uses: [publisher(trades)] });
    const node = await start(bus, [stranger, trader]);
    expect(() => node.use(quote, "stranger")).toThrow('service "stranger" does not declare requester(quote)');
  });

  it("types the arguments from the models", () => {
    const check = (r: NonNullable<(typeof quote)["~use"]>) => {
      // @ts-expect-error a required key is missing
      void r.request({ currency: "USD" });
      // @ts-expect-error an unknown key
      void r.request({ symbol: "A", side: "buy" });
      // @ts-expect-error a key of the wrong type
      void r.request({ symbol: 1 });
      return r.request({ symbol: "A" }).then((out) => out.price.toFixed(2) + (out.venue ?? ""));
    };
    expect(typeof check).toBe("function");
  });
});

describe("addresses", () => {
  it("lists every problem of an addresses object at once", () => {
    expect(() =>
      checkAddresses({
        quote: "bad subject",
        "x..y": "a.b",
        trades: { subject: "a.*", topics: "AAPL", queue: 1 },
      }),
    ).toThrow(/3 problems:\n {2}quote: .*\n {2}"x\.\.y" .*\n {2}trades: .*; .*; .*\n[^ ]/);
  });

  it("loads a JSON file, and says which file is wrong", () => {
    const dir = mkdtempSync(join(tmpdir(), "tesserae-addr-"));
    const good = join(dir, "addresses.json");
    writeFileSync(good, JSON.stringify({ quote: "desk.quote" }));
    expect(loadAddresses(good)).toEqual({ quote: "desk.quote" });
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ quote: ");
    expect(() => loadAddresses(bad)).toThrow(`the addresses file ${bad} is not JSON`);
    expect(() => loadAddresses(join(dir, "none.json"))).toThrow("cannot read the addresses file");
  });
});
