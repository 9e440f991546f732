import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type DurableMessage,
  type DurableStreams,
  deadLetterHeaders,
  PoisonMessage,
} from "../../src/core/durable-streams.js";
import type { Transport } from "../../src/core/transport.js";
import type { TransportMessage } from "../../src/core/transport-message.js";
import type { TransportPair } from "./transport-contract.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const enc = (text: string): Uint8Array => encoder.encode(text);
const dec = (data: Uint8Array): string => decoder.decode(data);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Long enough for a redelivery that should not happen to have happened (backoffs here are ≤ 50 ms). */
const settle = () => sleep(300);
const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

let run = 0;

function streamsOf(t: Transport): DurableStreams {
  const d = t.durable;
  if (d === undefined) throw new Error(`transport ${t.kind} has no durable streams`);
  return d;
}

/**
 * The behaviour of the durable capability of a transport (`Transport.durable`), run against every
 * adapter that has one (memory, NATS JetStream). `makePair` is the same factory as the transport
 * contract's; its cleanup must also remove what the medium stored for the run.
 */
export function durableContract(name: string, makePair: () => Promise<TransportPair>): void {
  describe(`durable streams contract: ${name}`, () => {
    let pair: TransportPair;
    let a: DurableStreams;
    let b: DurableStreams;
    let prefix: string;
    const subject = (rest: string) => `${prefix}.${rest}`;

    beforeEach(async () => {
      pair = await makePair();
      await pair.a.connect();
      await pair.b.connect();
      a = streamsOf(pair.a);
      b = streamsOf(pair.b);
      run++;
      prefix = `durable.r${Date.now().toString(36)}x${run}`;
    });
    afterEach(async () => {
      await pair.cleanup();
    });

    /** A consumer that records deliveries and runs `behave` to decide each outcome. */
    async function consumer(
      streams: DurableStreams,
      on: string,
      name: string,
      behave: (msg: DurableMessage) => void | Promise<void> = () => undefined,
      extra: { maxDeliveries?: number; deadLetter?: string } = {},
    ) {
      const got: DurableMessage[] = [];
      const sub = await streams.consume(
        on,
        { consumer: name, backoffMs: [20, 50], maxDeliveries: 3, ...extra },
        async (msg) => {
          got.push(msg);
          await behave(msg);
        },
      );
      return { got, sub, texts: () => got.map((m) => dec(m.data)) };
    }

    it("delivers what was published before the consumer existed, with headers and its id", async () => {
      await a.publish(subject("orders.placed"), enc("1"), { headers: { "x-trace": "t-1" }, id: "m-1" });
      await a.publish(subject("orders.placed"), enc("2"));
      const c = await consumer(b, subject("orders.placed"), "early");
      await waitFor(() => expect(c.texts()).toEqual(["1", "2"]));
      expect(c.got[0]!.headers["x-trace"]).toBe("t-1");
      expect(c.got[0]!.id).toBe("m-1");
      expect(c.got[0]!.deliveries).toBe(1);
      // One published without an id comes without one (an id the transport gave it stays its own).
      expect(c.got[1]!.id).toBeUndefined();
      expect(Object.keys(c.got[1]!.headers)).toEqual([]);
      await settle();
      expect(c.got).toHaveLength(2);
    });

    it("acknowledges after success: each message is handled once", async () => {
      const c = await consumer(b, subject("once"), "once");
      for (let k = 0; k < 10; k++) await a.publish(subject("once"), enc(String(k)));
      await waitFor(() => expect(c.got).toHaveLength(10));
      await settle();
      expect(c.texts().sort((x, y) => Number(x) - Number(y))).toEqual(
        Array.from({ length: 10 }, (_, k) => String(k)),
      );
      expect(c.got.every((m) => m.deliveries === 1)).toBe(true);
    });

    it("redelivers after a failure: fails twice then succeeds → three deliveries, then no more", async () => {
      const c = await consumer(b, subject("flaky"), "flaky", (msg) => {
        if (msg.deliveries < 3) throw new Error(`attempt ${msg.deliveries} fails`);
      });
      await a.publish(subject("flaky"), enc("x"));
      await waitFor(() => expect(c.got).toHaveLength(3));
      await settle();
      expect(c.got.map((m) => m.deliveries)).toEqual([1, 2, 3]);
    });

    it("dead-letters a message after maxDeliveries failed deliveries, with why and where from", async () => {
      const dlq = subject("dead");
      const plain: TransportMessage[] = [];
      await pair.a.subscribe(dlq, {}, (msg) => {
        plain.push(msg);
      });
      const dead = await consumer(a, dlq, "dlq-reader");
      const c = await consumer(
        b,
        subject("poison"),
        "poisoned",
        () => {
          throw new Error("cannot handle this");
        },
        { deadLetter: dlq },
      );
      await a.publish(subject("poison"), enc("bad"), { headers: { "x-origin": "test" } });
      await waitFor(() => expect(dead.got).toHaveLength(1));
      await waitFor(() => expect(plain).toHaveLength(1));
      const letter = dead.got[0]!;
      expect(dec(letter.data)).toBe("bad");
      expect(letter.headers[deadLetterHeaders.subject]).toBe(subject("poison"));
      expect(letter.headers[deadLetterHeaders.consumer]).toBe("poisoned");
      expect(letter.headers[deadLetterHeaders.deliveries]).toBe("3");
      expect(letter.headers[deadLetterHeaders.error]).toContain("cannot handle this");
      expect(letter.headers["x-origin"]).toBe("test");
      await settle();
      expect(c.got.map((m) => m.deliveries)).toEqual([1, 2, 3]);
      expect(dead.got).toHaveLength(1);
    });

    it("dead-letters at once a message whose handler throws PoisonMessage", async () => {
      const dlq = subject("dead");
      const dead = await consumer(a, dlq, "dlq-now");
      const c = await consumer(
        b,
        subject("invalid"),
        "strict",
        () => {
          throw new PoisonMessage("payload can never be valid");
        },
        { deadLetter: dlq },
      );
      await a.publish(subject("invalid"), enc("{"));
      await waitFor(() => expect(dead.got).toHaveLength(1));
      await settle();
      expect(c.got).toHaveLength(1);
      expect(dead.got[0]!.headers[deadLetterHeaders.deliveries]).toBe("1");
    });

    it("drops a publication whose id was already stored", async () => {
      const first = await a.publish(subject("dedup"), enc("one"), { id: "same-id" });
      const second = await b.publish(subject("dedup"), enc("one again"), { id: "same-id" });
      await a.publish(subject("dedup"), enc("two"), { id: "other-id" });
      expect(first.duplicate).toBe(false);
      expect(second.duplicate).toBe(true);
      const c = await consumer(b, subject("dedup"), "dedup");
      await waitFor(() => expect(c.got).toHaveLength(2));
      await settle();
      expect(c.texts()).toEqual(["one", "two"]);
    });

    it("shares the messages among the members of one durable name; another name sees them all", async () => {
      const m1 = await consumer(a, subject("jobs"), "workers");
      const m2 = await consumer(b, subject("jobs"), "workers");
      const audit = await consumer(b, subject("jobs"), "audit");
      const n = 40;
      for (let k = 0; k < n; k++) await a.publish(subject("jobs"), enc(String(k)));
      await waitFor(() => expect(m1.got.length + m2.got.length).toBe(n));
      await waitFor(() => expect(audit.got).toHaveLength(n));
      await settle();
      const all = [...m1.texts(), ...m2.texts()].sort((x, y) => Number(x) - Number(y));
      expect(all).toEqual(Array.from({ length: n }, (_, k) => String(k)));
    });

    it("keeps what is published while no member runs, for the next member of that name", async () => {
      const first = await consumer(b, subject("later"), "keeper");
      await a.publish(subject("later"), enc("1"));
      await waitFor(() => expect(first.texts()).toEqual(["1"]));
      await first.sub.unsubscribe();
      await settle();
      await a.publish(subject("later"), enc("2"));
      await a.publish(subject("later"), enc("3"));
      await settle();
      expect(first.texts()).toEqual(["1"]);
      const second = await consumer(a, subject("later"), "keeper");
      await waitFor(() => expect(second.texts()).toEqual(["2", "3"]));
    });

    it("lets core subscribers of the subject see durable publications too", async () => {
      const plain: string[] = [];
      await pair.b.subscribe(subject("seen"), {}, (msg) => {
        plain.push(dec(msg.data));
      });
      await a.publish(subject("seen"), enc("hi"));
      await waitFor(() => expect(plain).toEqual(["hi"]));
    });
  });
}
