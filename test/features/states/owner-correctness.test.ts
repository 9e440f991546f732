// Issue 18, part A: an owner sends what it applied, applies only what it can send, and is the
// only one: regressions of bugs 1, 2, 3 and 5 on the memory transport.
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { jsonCodec } from "../../../src/core/codec.js";
import { TesseraError } from "../../../src/core/errors.js";
import { type Logger, silentLogger } from "../../../src/core/logger.js";
import type { Transport } from "../../../src/core/transport.js";
import { type StateDef, state } from "../../../src/features/states/index.js";
import { StateHolder } from "../../../src/features/states/state-holder.js";
import { StateOwner } from "../../../src/features/states/state-owner.js";
import { decodeStored, stateSubjects } from "../../../src/features/states/state-wire.js";

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => undefined);
});

async function transportOn(bus: MemoryBus): Promise<Transport> {
  const t = memoryTransport({ bus });
  await t.connect();
  running.push({ stop: () => t.close() });
  return t;
}

function lines(): { logger: Logger; warn: string[]; info: string[] } {
  const warn: string[] = [];
  const info: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (m) => void info.push(m),
    warn: (m) => void warn.push(m),
    error: (m) => void warn.push(m),
    child: () => logger,
  };
  return { logger, warn, info };
}

async function ownerOf<T extends object>(
  def: StateDef<string, T>,
  transport: Transport,
  logger = silentLogger,
) {
  const owner = new StateOwner(
    def,
    { transport, codec: jsonCodec, logger },
    { beatMs: 60_000, persistMs: 1 },
  );
  await owner.start();
  running.push(owner);
  return owner;
}

async function holderOf<T extends object>(def: StateDef<string, T>, transport: Transport) {
  const holder = new StateHolder(def, { transport, codec: jsonCodec, logger: silentLogger }, { retryMs: 20 });
  await holder.start();
  running.push(holder);
  return holder;
}

async function rejection(p: Promise<unknown>): Promise<TesseraError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TesseraError);
  return err as TesseraError;
}

const book = state(
  "best",
  z.object({ min_ask: z.string().trim(), qty: z.number().default(1), venue: z.string().optional() }),
  { initial: { min_ask: "", qty: 1 } },
);

describe("an owner sends what it applied", () => {
  it("regression: an object-schema delta reached holders raw (untrimmed, with a stripped key) while the owner kept the parsed value, at the same number", async () => {
    const bus = createMemoryBus();
    const owner = await ownerOf(book, await transportOn(bus));
    const holder = await holderOf(book, await transportOn(bus));
    await owner.patch({ min_ask: "  101.5  ", bogus: 1 } as never);
    await owner.patch({ venue: "XNAS" });
    // Deleting a key with a default: the owner's value gets the default back, and so do holders.
    await owner.patch({ qty: null, venue: null } as never);
    expect(owner.value).toEqual({ min_ask: "101.5", qty: 1 });
    await vi.waitFor(() => expect(holder.seq).toBe(owner.seq));
    expect(holder.value).toEqual(owner.value);
    expect(holder.resyncs.gap + holder.resyncs.duplicate).toBe(0);
  });

  it("regression: an update the codec cannot encode (a Date under JSON) threw synchronously, poisoned the snapshots and left holders 'synced' on the old value", async () => {
    const stamped = state("stamped", z.object({ px: z.number(), at: z.date().optional() }), {
      initial: { px: 0 },
    });
    const bus = createMemoryBus();
    const owner = await ownerOf(stamped, await transportOn(bus));
    const holder = await holderOf(stamped, await transportOn(bus));
    await owner.patch({ px: 1 });
    let pending: Promise<void> | undefined;
    expect(() => {
      pending = owner.patch({ px: 2, at: new Date() });
    }).not.toThrow();
    expect((await rejection(pending!)).code).toBe("TESSERA_VALIDATION");
    expect((await rejection(owner.set({ px: 3, at: new Date() }))).code).toBe("TESSERA_VALIDATION");
    expect([owner.value, owner.seq]).toEqual([{ px: 1 }, 1]);
    // Snapshots keep working: a late holder synchronises, the first one follows the next update.
    const late = await holderOf(stamped, await transportOn(bus));
    expect([late.synced, late.value, late.seq]).toEqual([true, { px: 1 }, 1]);
    await owner.patch({ px: 4 });
    await vi.waitFor(() => expect(holder.value).toEqual({ px: 4 }));
    expect(holder.seq).toBe(owner.seq);
  });

  it("regression: patch() rejected with TESSERA_UNAVAILABLE during a broker outage was applied anyway", async () => {
    const bus = createMemoryBus();
    const transport = await transportOn(bus);
    let connected = true;
    const flaky: Transport = Object.assign(Object.create(transport) as Transport, {
      status: () => (connected ? transport.status() : { connected: false, detail: "reconnecting" }),
    });
    const owner = await ownerOf(book, flaky);
    await owner.patch({ min_ask: "1" });
    connected = false;
    expect((await rejection(owner.patch({ min_ask: "2" }))).code).toBe("TESSERA_UNAVAILABLE");
    expect((await rejection(owner.set({ min_ask: "3", qty: 1 }))).code).toBe("TESSERA_UNAVAILABLE");
    expect([owner.value.min_ask, owner.seq]).toEqual(["1", 1]);
    connected = true;
    await owner.patch({ min_ask: "4" });
    expect([owner.value.min_ask, owner.seq]).toEqual(["4", 2]);
  });

  it("an update the transport refuses as it is sent is undone (it was the last one)", async () => {
    const bus = createMemoryBus();
    const transport = await transportOn(bus);
    let refuse = false;
    const t: Transport = Object.assign(Object.create(transport) as Transport, {
      publish: (subject: string, data: Uint8Array) =>
        refuse ? Promise.reject(TesseraError.unavailable("lost")) : transport.publish(subject, data),
    });
    const owner = await ownerOf(book, t);
    await owner.patch({ min_ask: "1", venue: "A" });
    refuse = true;
    expect((await rejection(owner.patch({ min_ask: "2", venue: null } as never))).code).toBe(
      "TESSERA_UNAVAILABLE",
    );
    expect([owner.value, owner.seq]).toEqual([{ min_ask: "1", qty: 1, venue: "A" }, 1]);
  });

  it("a broker outage logs one store warning and one recovery line, not one per update", async () => {
    const bus = createMemoryBus();
    const transport = await transportOn(bus);
    const store = transport.lastValues!;
    let down = false;
    const failing = () => Promise.reject(TesseraError.unavailable("JetStream is down"));
    const t = Object.create(transport, {
      lastValues: {
        value: {
          get: (k: string) => (down ? failing() : store.get(k)),
          put: (k: string, d: Uint8Array) => (down ? failing() : store.put(k, d)),
          delete: (k: string) => store.delete(k),
          entry: (k: string) => (down ? failing() : store.entry!(k)),
          putIf: (k: string, d: Uint8Array, r: number) => (down ? failing() : store.putIf!(k, d, r)),
        },
      },
    }) as Transport;
    const log = lines();
    const owner = await ownerOf(book, t, log.logger);
    down = true;
    for (let i = 0; i < 200; i++) {
      await owner.patch({ min_ask: String(i) });
      await new Promise((r) => setImmediate(r));
    }
    down = false;
    await owner.flush();
    expect(log.warn.filter((l) => l.startsWith("storing the state failed"))).toHaveLength(1);
    expect(log.info.filter((l) => l.startsWith("storing the state works again"))).toHaveLength(1);
    const stored = decodeStored(jsonCodec, (await store.get(stateSubjects.stored("best")))!);
    expect(stored?.seq).toBe(200);
  });
  it("a store that does not answer at start is tried again until the state is stored (issue 15 follow-up: it was never stored)", async () => {
    const bus = createMemoryBus();
    const transport = await transportOn(bus);
    const store = transport.lastValues!;
    let down = true;
    const failing = () =>
      Promise.reject(TesseraError.unavailable("JetStream did not create the stream LAST"));
    const t = Object.create(transport, {
      lastValues: {
        value: {
          get: (k: string) => (down ? failing() : store.get(k)),
          put: (k: string, d: Uint8Array) => (down ? failing() : store.put(k, d)),
          delete: (k: string) => store.delete(k),
          entry: (k: string) => (down ? failing() : store.entry!(k)),
          putIf: (k: string, d: Uint8Array, r: number) => (down ? failing() : store.putIf!(k, d, r)),
        },
      },
    }) as Transport;
    const log = lines();
    const owner = await ownerOf(book, t, log.logger);
    await owner.patch({ min_ask: "7" });
    expect(log.warn.filter((l) => l.startsWith("no last-value store"))).toEqual([]);
    down = false;
    await vi.waitFor(
      async () => {
        const stored = decodeStored(jsonCodec, (await store.get(stateSubjects.stored("best")))!);
        expect([stored?.epoch, stored?.seq, stored?.value.min_ask]).toEqual([owner.epoch, 1, "7"]);
      },
      { timeout: 5000, interval: 50 },
    );
    expect(log.info.filter((l) => l.startsWith("storing the state works again"))).toHaveLength(1);
  });
});

describe("one owner per state", () => {
  it("rolling deploy on the memory transport: the new owner takes over, the old one stands down and never overwrites the newer epoch's value", async () => {
    const bus = createMemoryBus();
    const oldLog = lines();
    const old = await ownerOf(book, await transportOn(bus), oldLog.logger);
    const holder = await holderOf(book, await transportOn(bus));
    await old.patch({ min_ask: "100" });
    // The new incarnation starts before the old one stops: it resumes from the stored value.
    await old.flush();
    const next = await ownerOf(book, await transportOn(bus));
    expect(next.epoch).toBeGreaterThan(old.epoch);
    expect(next.value.min_ask).toBe("100");
    await vi.waitFor(() => expect(old.supersededBy).toBe(next.epoch));
    expect(oldLog.warn.some((l) => l.includes("stands down"))).toBe(true);
    expect((await rejection(old.patch({ min_ask: "stale" }))).code).toBe("TESSERA_CONFLICT");
    await next.patch({ min_ask: "101" });
    await old.stop();
    const stored = decodeStored(jsonCodec, (await (await transportOn(bus)).lastValues!.get("state.best"))!);
    expect([stored?.epoch, stored?.value.min_ask]).toEqual([next.epoch, "101"]);
    // A fresh holder takes the new owner's snapshot; the first one follows the new owner.
    const fresh = await holderOf(book, await transportOn(bus));
    expect([fresh.epoch, fresh.value.min_ask]).toEqual([next.epoch, "101"]);
    await vi.waitFor(() => expect([holder.epoch, holder.value.min_ask]).toEqual([next.epoch, "101"]));
  });

  it("an owner that missed the newer one's claim is fenced by the store: its next write finds the newer epoch and it stands down", async () => {
    const bus = createMemoryBus();
    const transport = await transportOn(bus);
    const old = await ownerOf(book, transport);
    await old.patch({ min_ask: "1" });
    await old.flush();
    // Another owner claims the state in the store (its claim message never reached this one).
    const store = transport.lastValues!;
    const entry = (await store.entry!("state.best"))!;
    const claimed = jsonCodec.encode({ epoch: old.epoch + 1, seq: 7, value: { min_ask: "new", qty: 1 } });
    expect(await store.putIf!("state.best", claimed, entry.revision)).toBeDefined();
    await old.patch({ min_ask: "2" });
    expect((await rejection(old.flush())).code).toBe("TESSERA_CONFLICT");
    expect(old.supersededBy).toBe(old.epoch + 1);
    await old.stop();
    expect(decodeStored(jsonCodec, (await store.get("state.best"))!)?.value.min_ask).toBe("new");
  });
});

describe("merge-patch deltas", () => {
  const levels = z.record(z.string(), z.number().positive());
  const books = state(
    "books",
    z.record(z.string(), z.object({ bids: levels, asks: levels, note: z.string().trim().optional() })),
    { initial: {}, delta: "merge-patch" },
  );

  it("patches a nested map without resending it whole; null deletes a level; holders reach the owner's value", async () => {
    const bus = createMemoryBus();
    const owner = await ownerOf(books, await transportOn(bus));
    const holder = await holderOf(books, await transportOn(bus));
    const sent: unknown[] = [];
    owner.onChange((c) => void sent.push(c.delta));
    await owner.set({ AAPL: { bids: { "100": 5, "99": 3 }, asks: { "101": 2 } } });
    await owner.patch({ AAPL: { bids: { "99": null, "98": 1 }, note: "  open " } });
    expect(sent).toEqual([undefined, { AAPL: { bids: { "99": null, "98": 1 }, note: "open" } }]);
    expect(owner.value).toEqual({ AAPL: { bids: { "100": 5, "98": 1 }, asks: { "101": 2 }, note: "open" } });
    // A nested value the schema refuses is refused whole: nothing changes.
    expect((await rejection(owner.patch({ AAPL: { asks: { "101": -1 } } }))).code).toBe("TESSERA_VALIDATION");
    await vi.waitFor(() => expect(holder.seq).toBe(owner.seq));
    expect(holder.value).toEqual(owner.value);
  });
});
