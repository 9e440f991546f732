import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ErrorCode } from "../../src/core/error-codes.js";
import { TesseraError } from "../../src/core/errors.js";
import type { Transport } from "../../src/core/transport.js";
import type { TransportMessage, TransportSubscription } from "../../src/core/transport-message.js";
import { errorOfReply } from "../../src/core/wire-reply.js";

/** Two connections to one medium (two memory transports on one bus, two clients of one NATS server). */
export interface TransportPair {
  readonly a: Transport;
  readonly b: Transport;
  /** Closes both transports, whatever their state, and releases the medium. */
  cleanup(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const enc = (text: string): Uint8Array => encoder.encode(text);
const dec = (data: Uint8Array): string => decoder.decode(data);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Long enough for a message that should not arrive to have arrived on any adapter on this machine. */
const settle = () => sleep(100);
const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

/** A promise to hold a handler until the test lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** The rejection of `promise`, failing the test when it resolves. A synchronous throw also fails the test. */
async function rejection(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    return err as TesseraError;
  }
  throw new Error("expected a rejection, got a result");
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<TesseraError> {
  const err = await rejection(promise);
  expect(err.code).toBe(code);
  return err;
}

let run = 0;

/**
 * The behaviour every `Transport` adapter must show (DESIGN.md, convention 3). Each adapter's test
 * file calls it once:
 *
 * @example
 * transportContract("memory", async () => {
 *   const bus = createMemoryBus();
 *   const a = memoryTransport({ bus });
 *   const b = memoryTransport({ bus });
 *   return { a, b, cleanup: async () => { await a.close(); await b.close(); } };
 * });
 *
 * `makePair` returns two fresh, not yet connected transports; the suite connects them. Each test
 * uses subjects under its own prefix, so adapters on a shared server see no other test's traffic.
 * Only what `src/core/transport.ts` promises is checked, plus two things the port relies on: a
 * subscription is in effect once `subscribe`/`respond` resolves, and gone once `unsubscribe`
 * resolves (a NATS adapter flushes). Timing bounds are generous: they catch hangs, not slowness.
 */
export function transportContract(name: string, makePair: () => Promise<TransportPair>): void {
  describe(`transport contract: ${name}`, () => {
    let pair: TransportPair;
    let a: Transport;
    let b: Transport;
    let prefix: string;
    const subject = (rest: string) => `${prefix}.${rest}`;

    beforeEach(async () => {
      pair = await makePair();
      ({ a, b } = pair);
      await a.connect();
      await b.connect();
      run++;
      prefix = `contract.r${Date.now().toString(36)}x${run}`;
    });
    afterEach(async () => {
      await pair.cleanup();
    });

    /** Subscribes and records what arrives. */
    async function collect(t: Transport, pattern: string, queue?: string) {
      const got: TransportMessage[] = [];
      const sub = await t.subscribe(pattern, queue === undefined ? {} : { queue }, (msg) => {
        got.push(msg);
      });
      return { got, sub, texts: () => got.map((m) => dec(m.data)) };
    }

    describe("connection", () => {
      it("is connected once connect() resolves, and names its kind and payload limit", () => {
        expect(a.status().connected).toBe(true);
        expect(b.status().connected).toBe(true);
        expect(a.kind).toMatch(/^[a-z][a-z0-9-]*$/);
        expect(a.maxPayload).toBeGreaterThan(0);
      });
    });

    describe("request / reply", () => {
      it("carries a request to a responder and its reply back, with headers both ways", async () => {
        const seen: TransportMessage[] = [];
        await b.respond(subject("echo"), {}, (msg) => {
          seen.push(msg);
          return { data: enc(`re:${dec(msg.data)}`), headers: { "x-reply": "pong" } };
        });
        const reply = await a.request(subject("echo"), enc("hello"), {
          timeoutMs: 5000,
          headers: { "x-trace": "abc-1" },
        });
        expect(dec(reply.data)).toBe("re:hello");
        expect(reply.headers["x-reply"]).toBe("pong");
        expect(errorOfReply(reply)).toBeUndefined();
        expect(seen).toHaveLength(1);
        expect(seen[0]!.subject).toBe(subject("echo"));
        expect(seen[0]!.headers["x-trace"]).toBe("abc-1");
      });

      it("serves an asynchronous responder, and an empty payload travels as zero bytes both ways", async () => {
        const sizes: number[] = [];
        await b.respond(subject("empty"), {}, async (msg) => {
          sizes.push(msg.data.byteLength);
          await sleep(1);
          return { data: new Uint8Array(0) };
        });
        const reply = await a.request(subject("empty"), new Uint8Array(0), { timeoutMs: 5000 });
        expect(sizes).toEqual([0]);
        expect(reply.data.byteLength).toBe(0);
        expect(errorOfReply(reply)).toBeUndefined();
      });

      it("answers a request from the same connection as the responder", async () => {
        await a.respond(subject("self"), {}, (msg) => ({ data: enc(dec(msg.data).toUpperCase()) }));
        const reply = await a.request(subject("self"), enc("me"), { timeoutMs: 5000 });
        expect(dec(reply.data)).toBe("ME");
      });

      it("fails fast with TESSERA_UNAVAILABLE when nobody serves the subject", async () => {
        const t0 = Date.now();
        await expectCode(
          a.request(subject("nobody"), enc("?"), { timeoutMs: 10_000 }),
          "TESSERA_UNAVAILABLE",
        );
        expect(Date.now() - t0).toBeLessThan(2000);
      });

      it("fails with TESSERA_TIMEOUT after timeoutMs when the responder does not reply in time", async () => {
        const late = gate();
        await b.respond(subject("late"), {}, async () => {
          await late.opened;
          return { data: enc("too late") };
        });
        try {
          const t0 = Date.now();
          await expectCode(a.request(subject("late"), enc("?"), { timeoutMs: 200 }), "TESSERA_TIMEOUT");
          const elapsed = Date.now() - t0;
          expect(elapsed).toBeGreaterThanOrEqual(150);
          expect(elapsed).toBeLessThan(2000);
        } finally {
          late.open();
        }
      });

      it("turns a responder's TesseraError into an error reply that errorOfReply reads back", async () => {
        await b.respond(subject("conflict"), {}, () => {
          throw TesseraError.conflict("already taken", { id: 7 });
        });
        const reply = await a.request(subject("conflict"), enc("?"), { timeoutMs: 5000 });
        const err = errorOfReply(reply);
        expect(err).toBeInstanceOf(TesseraError);
        expect(err?.toJSON()).toEqual({
          code: "TESSERA_CONFLICT",
          message: "already taken",
          details: { id: 7 },
        });
      });

      it("turns any other failure into TESSERA_INTERNAL without its message, and keeps serving", async () => {
        let calls = 0;
        await b.respond(subject("flaky"), {}, async () => {
          calls++;
          if (calls === 1) throw new Error("secret connection string");
          return { data: enc("ok") };
        });
        const failed = await a.request(subject("flaky"), enc("1"), { timeoutMs: 5000 });
        const err = errorOfReply(failed);
        expect(err?.code).toBe("TESSERA_INTERNAL");
        expect(dec(failed.data)).not.toContain("secret");
        const ok = await a.request(subject("flaky"), enc("2"), { timeoutMs: 5000 });
        expect(errorOfReply(ok)).toBeUndefined();
        expect(dec(ok.data)).toBe("ok");
      });

      it("lets a responder on a wildcard pattern see the concrete subject", async () => {
        await b.respond(subject("rpc.>"), {}, (msg) => ({ data: enc(msg.subject) }));
        const reply = await a.request(subject("rpc.orders.42"), enc(""), { timeoutMs: 5000 });
        expect(dec(reply.data)).toBe(subject("rpc.orders.42"));
      });
    });

    describe("queue groups", () => {
      it("serves each request by exactly one member of a queue group, spreading the load", async () => {
        const served = [0, 0, 0];
        const member = (t: Transport, i: number) =>
          t.respond(subject("work"), { queue: "workers" }, (msg) => {
            served[i]!++;
            return { data: enc(`${i}:${dec(msg.data)}`) };
          });
        await member(a, 0);
        await member(b, 1);
        await member(b, 2);
        const n = 60;
        const replies = await Promise.all(
          Array.from({ length: n }, (_, k) =>
            a.request(subject("work"), enc(String(k)), { timeoutMs: 5000 }),
          ),
        );
        expect(replies.map((r) => dec(r.data).split(":")[1])).toEqual(
          Array.from({ length: n }, (_, k) => `${k}`),
        );
        await settle();
        expect(served.reduce((x, y) => x + y, 0)).toBe(n);
        for (const count of served) expect(count).toBeGreaterThan(0);
      });

      it("delivers each publication to exactly one member of a queue group, spreading the load", async () => {
        const members = [
          await collect(a, subject("jobs"), "pool"),
          await collect(b, subject("jobs"), "pool"),
          await collect(b, subject("jobs"), "pool"),
        ];
        const n = 60;
        for (let k = 0; k < n; k++) await b.publish(subject("jobs"), enc(String(k)));
        const all = () => members.flatMap((m) => m.texts());
        await waitFor(() => expect(all()).toHaveLength(n));
        await settle();
        expect(all().sort((x, y) => Number(x) - Number(y))).toEqual(
          Array.from({ length: n }, (_, k) => `${k}`),
        );
        for (const m of members) expect(m.got.length).toBeGreaterThan(0);
      });

      it("broadcasts to every plain subscriber alongside one member of each queue group", async () => {
        const plainA = await collect(a, subject("news"));
        const plainB = await collect(b, subject("news"));
        const group1 = [await collect(a, subject("news"), "g1"), await collect(b, subject("news"), "g1")];
        const group2 = [await collect(a, subject("news"), "g2")];
        const n = 20;
        const expected = Array.from({ length: n }, (_, k) => `${k}`);
        for (let k = 0; k < n; k++) await a.publish(subject("news"), enc(String(k)));
        const sorted = (xs: string[]) => [...xs].sort((x, y) => Number(x) - Number(y));
        const groupTexts = (g: { texts(): string[] }[]) => g.flatMap((m) => m.texts());
        await waitFor(() => {
          expect(plainA.got).toHaveLength(n);
          expect(plainB.got).toHaveLength(n);
          expect(groupTexts(group1)).toHaveLength(n);
          expect(groupTexts(group2)).toHaveLength(n);
        });
        await settle();
        expect(sorted(plainA.texts())).toEqual(expected);
        expect(sorted(plainB.texts())).toEqual(expected);
        expect(sorted(groupTexts(group1))).toEqual(expected);
        expect(sorted(groupTexts(group2))).toEqual(expected);
      });
    });

    describe("subjects", () => {
      it("matches `*` to exactly one token and `>` to one or more trailing tokens", async () => {
        const star = await collect(a, subject("orders.*"));
        const rest = await collect(a, subject("orders.>"));
        const middle = await collect(b, subject("*.created"));
        const published = [
          "orders",
          "orders.1",
          "orders.created",
          "orders.1.items",
          "users.created",
          "other.1",
        ];
        for (const s of published) await b.publish(subject(s), enc(s));
        const subjects = (c: { got: TransportMessage[] }) => c.got.map((m) => m.subject).sort();
        await waitFor(() => {
          expect(star.got).toHaveLength(2);
          expect(rest.got).toHaveLength(3);
          expect(middle.got).toHaveLength(2);
        });
        await settle();
        expect(subjects(star)).toEqual([subject("orders.1"), subject("orders.created")].sort());
        expect(subjects(rest)).toEqual(
          [subject("orders.1"), subject("orders.1.items"), subject("orders.created")].sort(),
        );
        expect(subjects(middle)).toEqual([subject("orders.created"), subject("users.created")].sort());
        expect(star.texts().sort()).toEqual(["orders.1", "orders.created"]);
      });

      it("stops delivering to a subscription once unsubscribe() resolves", async () => {
        const leaving = await collect(a, subject("feed"));
        const staying = await collect(a, subject("feed"));
        await b.publish(subject("feed"), enc("1"));
        await waitFor(() => expect(leaving.got).toHaveLength(1));
        await leaving.sub.unsubscribe();
        await b.publish(subject("feed"), enc("2"));
        await b.publish(subject("feed"), enc("3"));
        await waitFor(() => expect(staying.got).toHaveLength(3));
        await settle();
        expect(leaving.texts()).toEqual(["1"]);
      });

      it("stops serving requests once a responder unsubscribes", async () => {
        const sub: TransportSubscription = await b.respond(subject("gone"), {}, () => ({
          data: enc("here"),
        }));
        expect(dec((await a.request(subject("gone"), enc(""), { timeoutMs: 5000 })).data)).toBe("here");
        await sub.unsubscribe();
        await expectCode(a.request(subject("gone"), enc(""), { timeoutMs: 5000 }), "TESSERA_UNAVAILABLE");
      });
    });

    describe("payloads", () => {
      it("never shares bytes between a requester and its responder", async () => {
        await b.respond(subject("mutate"), {}, (msg) => {
          msg.data.fill(0);
          return { data: msg.data };
        });
        const sent = enc("precious");
        const reply = await a.request(subject("mutate"), sent, { timeoutMs: 5000 });
        expect(dec(sent)).toBe("precious");
        reply.data.fill(1);
        expect(dec(sent)).toBe("precious");
      });

      it("gives every subscriber its own copy, taken when publish() resolves", async () => {
        const first: string[] = [];
        const second: string[] = [];
        const spoil = (into: string[]) => (msg: TransportMessage) => {
          into.push(dec(msg.data));
          msg.data.fill(33);
        };
        await a.subscribe(subject("copy"), {}, spoil(first));
        await b.subscribe(subject("copy"), {}, spoil(second));
        await a.subscribe(subject("copy"), {}, spoil(second));
        const data = enc("original");
        await b.publish(subject("copy"), data);
        data.fill(63);
        await waitFor(() => expect([...first, ...second]).toHaveLength(3));
        expect([...first, ...second]).toEqual(["original", "original", "original"]);
      });

      it("refuses a payload over maxPayload with TESSERA_PAYLOAD_TOO_LARGE", async () => {
        await b.respond(subject("big"), {}, () => ({ data: enc("ok") }));
        const big = new Uint8Array(a.maxPayload + 1);
        await expectCode(a.publish(subject("big"), big), "TESSERA_PAYLOAD_TOO_LARGE");
        await expectCode(a.request(subject("big"), big, { timeoutMs: 5000 }), "TESSERA_PAYLOAD_TOO_LARGE");
        const small = await a.request(subject("big"), new Uint8Array(1024), { timeoutMs: 5000 });
        expect(dec(small.data)).toBe("ok");
      });
    });

    describe("failing subscribers", () => {
      it("keeps delivering to a subscriber that throws or rejects", async () => {
        const got: string[] = [];
        await a.subscribe(subject("fragile"), {}, (msg) => {
          const text = dec(msg.data);
          got.push(text);
          if (text === "1") throw new Error("sync failure");
          if (text === "2") return Promise.reject(new Error("async failure"));
          return undefined;
        });
        for (const k of ["1", "2", "3"]) await b.publish(subject("fragile"), enc(k));
        await waitFor(() => expect(got).toHaveLength(3));
        expect([...got].sort()).toEqual(["1", "2", "3"]);
      });
    });

    describe("close()", () => {
      it("fails pending requests with TESSERA_UNAVAILABLE and reports disconnected", async () => {
        const held = gate();
        let arrived = false;
        await b.respond(subject("hold"), {}, async () => {
          arrived = true;
          await held.opened;
          return { data: enc("late") };
        });
        try {
          const pending = a.request(subject("hold"), enc(""), { timeoutMs: 10_000 });
          await waitFor(() => expect(arrived).toBe(true));
          const t0 = Date.now();
          await a.close();
          await expectCode(pending, "TESSERA_UNAVAILABLE");
          expect(Date.now() - t0).toBeLessThan(2000);
          expect(a.status().connected).toBe(false);
          expect(b.status().connected).toBe(true);
        } finally {
          held.open();
        }
      });

      it("refuses new work with TESSERA_UNAVAILABLE once closed", async () => {
        await b.respond(subject("after"), {}, () => ({ data: enc("ok") }));
        await a.close();
        await expectCode(a.request(subject("after"), enc(""), { timeoutMs: 5000 }), "TESSERA_UNAVAILABLE");
        await expectCode(a.publish(subject("after"), enc("")), "TESSERA_UNAVAILABLE");
      });

      it("lets an in-flight reply finish, then stops serving", async () => {
        const held = gate();
        let arrived = false;
        await b.respond(subject("drain"), {}, async () => {
          arrived = true;
          await held.opened;
          return { data: enc("finished") };
        });
        const pending = a.request(subject("drain"), enc(""), { timeoutMs: 5000 });
        await waitFor(() => expect(arrived).toBe(true));
        const closing = b.close();
        held.open();
        expect(dec((await pending).data)).toBe("finished");
        await closing;
        expect(b.status().connected).toBe(false);
        await expectCode(a.request(subject("drain"), enc(""), { timeoutMs: 5000 }), "TESSERA_UNAVAILABLE");
      });
    });
  });
}
