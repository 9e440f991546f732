import { describe, expect, it } from "vitest";
import { z } from "zod";
import { entry } from "../../src/core/entry.js";
import { TesseraError } from "../../src/core/errors.js";
import { LocalInbox } from "../../src/core/inbox.js";
import { service } from "../../src/core/service.js";
import { createMemoryBus, failsWith, gate, useNodes } from "./fixtures.js";

/** `bank.deposit` counts its executions; `bank.plain` is not idempotent. */
function bank(options: { fail?: () => TesseraError | undefined; hold?: Promise<void> } = {}) {
  const runs = { deposit: 0, plain: 0 };
  let balance = 0;
  const svc = service("bank", {
    entries: {
      deposit: entry(
        { input: z.object({ cents: z.number().int().positive() }), idempotent: true },
        async ({ cents }) => {
          runs.deposit++;
          await options.hold;
          const err = options.fail?.();
          if (err !== undefined) throw err;
          balance += cents;
          return { balance, at: runs.deposit };
        },
      ),
      plain: entry({ input: z.object({ cents: z.number() }) }, ({ cents }) => {
        runs.plain++;
        balance += cents;
        return { balance };
      }),
    },
  });
  return { svc, runs };
}

describe.each([
  ["on the caller's node", false],
  ["on another node (the key travels in a header)", true],
])("idempotent entries %s", (_where, remote) => {
  const startNode = useNodes();

  async function setup(b: ReturnType<typeof bank>) {
    const bus = createMemoryBus();
    if (!remote) return startNode({ bus, services: [b.svc] });
    await startNode({ bus, services: [b.svc] });
    return startNode({ bus, services: [b.svc], run: [] });
  }

  it("a repeated key gets the first answer and the handler runs once", async () => {
    const b = bank();
    const node = await setup(b);
    const first = await node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1" });
    const again = await node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1" });
    expect(again).toEqual(first);
    expect(b.runs.deposit).toBe(1);
    await node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k2" });
    await node.call(b.svc.entries.deposit, { cents: 5 });
    expect(b.runs.deposit).toBe(3);
  });

  it("the same key with another input is a conflict (409), and the handler does not run", async () => {
    const b = bank();
    const node = await setup(b);
    await node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1" });
    const err = await failsWith(
      node.call(b.svc.entries.deposit, { cents: 6 }, { idempotencyKey: "k1" }),
      "TESSERA_CONFLICT",
    );
    expect(err.message).toMatch(/already used with another input/);
    expect(b.runs.deposit).toBe(1);
  });

  it("a duplicate that arrives while the first runs waits for its answer", async () => {
    const held = gate();
    const b = bank({ hold: held.opened });
    const node = await setup(b);
    const one = node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1" });
    const two = node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1" });
    await new Promise((r) => setTimeout(r, 50));
    held.open();
    expect(await two).toEqual(await one);
    expect(b.runs.deposit).toBe(1);
  });

  it("a duplicate still in progress at its deadline gets TESSERA_IN_PROGRESS (409, retryable)", async () => {
    const held = gate();
    const b = bank({ hold: held.opened });
    const node = await setup(b);
    const one = node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1" });
    const err = await failsWith(
      node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1", timeout: 300 }),
      "TESSERA_IN_PROGRESS",
    );
    expect(err.retryable).toBe(true);
    held.open();
    await one;
    expect(b.runs.deposit).toBe(1);
  });

  it("a server error is not kept: the retry with the same key runs the handler again", async () => {
    let failing = true;
    const b = bank({ fail: () => (failing ? TesseraError.unavailable("database down") : undefined) });
    const node = await setup(b);
    await failsWith(
      node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1" }),
      "TESSERA_UNAVAILABLE",
    );
    failing = false;
    expect(await node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1" })).toEqual({
      balance: 5,
      at: 2,
    });
  });

  it("a refusal is kept: the repeat gets the same refusal without running the handler", async () => {
    const b = bank({ fail: () => TesseraError.notFound("no such account") });
    const node = await setup(b);
    await failsWith(
      node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1" }),
      "TESSERA_NOT_FOUND",
    );
    const err = await failsWith(
      node.call(b.svc.entries.deposit, { cents: 5 }, { idempotencyKey: "k1" }),
      "TESSERA_NOT_FOUND",
    );
    expect(err.message).toBe("no such account");
    expect(b.runs.deposit).toBe(1);
  });

  it("an entry that is not idempotent runs every time, key or not", async () => {
    const b = bank();
    const node = await setup(b);
    await node.call(b.svc.entries.plain, { cents: 1 }, { idempotencyKey: "k1" });
    await node.call(b.svc.entries.plain, { cents: 1 }, { idempotencyKey: "k1" });
    expect(b.runs.plain).toBe(2);
  });
});

describe("idempotent services", () => {
  const startNode = useNodes();

  it("`idempotent: true` on a service makes its entries idempotent unless one says false", async () => {
    let a = 0;
    let b = 0;
    const svc = service("svc", {
      idempotent: true,
      entries: {
        a: entry(() => ++a),
        b: entry({ idempotent: false }, () => ++b),
      },
    });
    expect(svc.entries.a.idempotent).toBe(true);
    expect(svc.entries.b.idempotent).toBe(false);
    const node = await startNode({ services: [svc] });
    for (let i = 0; i < 2; i++) {
      await node.call(svc.entries.a, undefined, { idempotencyKey: "k" });
      await node.call(svc.entries.b, undefined, { idempotencyKey: "k" });
    }
    expect([a, b]).toEqual([1, 2]);
  });

  it("a handler reads the call's key as ctx.idempotencyKey; nested calls do not inherit it", async () => {
    const seen: (string | undefined)[] = [];
    const inner = service("inner", { entries: { see: entry((_i, ctx) => seen.push(ctx.idempotencyKey)) } });
    const outer = service("outer", {
      entries: {
        run: entry(async (_i, ctx) => {
          seen.push(ctx.idempotencyKey);
          await ctx.call(inner.entries.see);
        }),
      },
    });
    const node = await startNode({ services: [inner, outer] });
    await node.call(outer.entries.run, undefined, { idempotencyKey: "k9" });
    expect(seen).toEqual(["k9", undefined]);
  });
});

describe("the inbox in /ready", () => {
  const startNode = useNodes();
  const failing = () => {
    const inbox = new LocalInbox();
    return Object.assign(inbox, { ping: () => Promise.reject(new Error("connection refused")) });
  };

  it("a node that runs an idempotent entry is not ready while its inbox does not answer", async () => {
    const svc = service("svc", { entries: { a: entry({ idempotent: true }, () => 1) } });
    const node = await startNode({ services: [svc], inbox: failing() });
    const r = await node.checkReadiness();
    expect(r.ready).toBe(false);
    expect(r.checks.stores).toEqual([
      expect.objectContaining({
        name: "inbox",
        ready: false,
        error: expect.stringMatching(/connection refused/),
      }),
    ]);
  });

  it("a node without idempotent entries does not ping the inbox", async () => {
    const svc = service("svc", { entries: { a: entry(() => 1) } });
    const node = await startNode({ services: [svc], inbox: failing() });
    expect((await node.checkReadiness()).ready).toBe(true);
  });
});
