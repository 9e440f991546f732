import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { type Codec, jsonCodec, richJsonCodec } from "../../../src/core/codec.js";
import { entry } from "../../../src/core/entry.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode, type NodePlugin, type TesseraNode } from "../../../src/core/node.js";
import { type ServiceDef, service } from "../../../src/core/service.js";
import {
  args,
  connections,
  replier,
  requester,
  requestReply,
} from "../../../src/features/connections/index.js";
import { Decimal, decimal } from "../../../src/features/decimal/index.js";
import { createGateway } from "../../../src/features/gateway/gateway.js";
import { lifecycleHooks } from "../../../src/features/lifecycle/lifecycle-plugin.js";
import { holds, owns, replicatedStates, state } from "../../../src/features/states/index.js";

const nodes: TesseraNode[] = [];
async function start(
  bus: MemoryBus,
  services: ServiceDef[],
  plugins: NodePlugin[],
  codec: Codec = jsonCodec,
  run?: string[],
) {
  const node = createNode({
    services,
    ...(run === undefined ? {} : { run }),
    transport: memoryTransport({ bus }),
    plugins,
    codec,
    logger: silentLogger,
  });
  nodes.push(node);
  await node.start();
  return node;
}
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

describe("decimal()", () => {
  it("keeps exact values: 0.1 + 0.2 is 0.3", () => {
    const price = decimal();
    const sum = price.parse("0.1").plus(price.parse(0.2));
    expect(sum).toBeInstanceOf(Decimal);
    expect(sum.toString()).toBe("0.3");
    expect(price.parse(new Decimal("123456789012345678901234567890.123456789")).toString()).toBe(
      "123456789012345678901234567890.123456789",
    );
  });

  it("refuses what is not a finite decimal, values out of bounds and extra places, never rounding", () => {
    const cents = decimal({ min: 0, max: "1000", places: 2 });
    for (const bad of ["abc", "1.2.3", "", Number.NaN, Number.POSITIVE_INFINITY, "Infinity", true, null])
      expect(cents.safeParse(bad).success, String(bad)).toBe(false);
    expect(cents.safeParse("-1").error?.issues[0]?.message).toBe("expected at least 0");
    expect(cents.safeParse("1000.01").error?.issues[0]?.message).toBe("expected at most 1000");
    expect(cents.safeParse("1.005").error?.issues[0]?.message).toBe("expected at most 2 decimal places");
    expect(cents.parse(" 19.90 ").toString()).toBe("19.9");
  });

  it("travels as its string on the JSON codec and as a Decimal on the rich one", () => {
    const value = { price: new Decimal("101.25"), when: new Date(0), big: 2n ** 70n };
    expect(JSON.parse(new TextDecoder().decode(jsonCodec.encode({ price: value.price })))).toEqual({
      price: "101.25",
    });
    const back = richJsonCodec.decode(richJsonCodec.encode(value)) as typeof value;
    expect(back.price).toBeInstanceOf(Decimal);
    expect(back.price.equals(value.price)).toBe(true);
    expect(back.when).toEqual(value.when);
    expect(back.big).toBe(value.big);
    // A one-key object whose tag nobody registered stays an object.
    expect(richJsonCodec.decode(richJsonCodec.encode({ x: { $other: "1" } }))).toEqual({
      x: { $other: "1" },
    });
  });

  it("crosses a connection exactly on the default JSON codec (checked, parsed back on receipt)", async () => {
    const quote = requestReply("dquote", {
      args: args({ qty: decimal() }),
      returns: args({ total: decimal() }),
    });
    const bus = createMemoryBus();
    await start(
      bus,
      [service("pricer", { uses: [replier(quote, ({ qty }) => ({ total: qty.times("0.1") }))] })],
      [connections()],
    );
    const client = await start(bus, [service("desk", { uses: [requester(quote)] })], [connections()]);
    const { total } = await client.use(quote, "desk").request({ qty: "3" });
    expect(total).toBeInstanceOf(Decimal);
    expect(total.toString()).toBe("0.3");
  });

  it("is a Decimal in a holder's copy of a state under the rich codec, and in an entry's input", async () => {
    const book = state("decimal-book", z.record(z.string(), decimal()), { initial: {} });
    const feed = service("dfeed", {
      uses: [owns(book)],
      entries: {
        put: entry({ input: z.object({ symbol: z.string(), price: decimal() }) }, ({ symbol, price }, ctx) =>
          ctx.use(book).patch({ [symbol]: price }),
        ),
      },
    });
    const holder = service("dholder", { uses: [holds(book)] });
    const bus = createMemoryBus();
    const plugins = () => [replicatedStates({ beatMs: 50, retryMs: 20 })];
    const owner = await start(bus, [feed, holder], plugins(), richJsonCodec, ["dfeed"]);
    const other = await start(bus, [feed, holder], plugins(), richJsonCodec, ["dholder"]);
    await owner.call(feed.entries.put, { symbol: "X", price: "0.1" });
    await vi.waitFor(() => expect(other.use(book, "dholder").value.X).toBeInstanceOf(Decimal));
    expect(other.use(book, "dholder").value.X?.toString()).toBe("0.1");
  });
});

describe("decimals over HTTP (the guide's desk)", () => {
  it("takes a decimal string in a body, refuses extra places, and answers a Decimal as its string", async () => {
    const { desk } = await import("../../../examples/guide/lifecycle.js");
    const node = createNode({
      services: [desk],
      transport: memoryTransport({ bus: createMemoryBus() }),
      plugins: [connections(), lifecycleHooks({ handleSignals: false })],
      env: { DESK_VENUE: "XNAS" },
      logger: silentLogger,
    });
    nodes.push(node);
    await node.start();
    const gateway = createGateway(node);
    const post = (body: unknown) =>
      gateway.handle({
        method: "POST",
        url: "/desk/fill",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await post({ symbol: "X", qty: 3, price: "101.0125" })).status).toBe(204);
    expect((await post({ symbol: "X", qty: 1, price: "0.00001" })).status).toBe(400);
    await vi.waitFor(async () => {
      const r = await gateway.handle({ method: "GET", url: "/desk/position", headers: {} });
      expect(JSON.parse(String(r.body))).toEqual({ position: "303.0375" });
    });
  });
});
