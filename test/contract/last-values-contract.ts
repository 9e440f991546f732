import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LastValues } from "../../src/core/durable-streams.js";
import { TesseraError } from "../../src/core/errors.js";
import type { Transport } from "../../src/core/transport.js";
import type { TransportPair } from "./transport-contract.js";

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const dec = (data: Uint8Array | undefined): string | undefined =>
  data === undefined ? undefined : new TextDecoder().decode(data);

let run = 0;

function valuesOf(t: Transport): LastValues {
  const v = t.lastValues;
  if (v === undefined) throw new Error(`transport ${t.kind} has no last-value store`);
  return v;
}

/**
 * The behaviour of the last-value capability of a transport (`Transport.lastValues`), run against
 * every adapter that has one (memory, NATS JetStream). `makePair` gives two connections to one
 * medium; its cleanup must also remove what the medium stored for the run.
 */
export function lastValuesContract(name: string, makePair: () => Promise<TransportPair>): void {
  describe(`last values contract: ${name}`, () => {
    let pair: TransportPair;
    let a: LastValues;
    let b: LastValues;
    let prefix: string;
    const key = (rest: string) => `${prefix}.${rest}`;

    beforeEach(async () => {
      pair = await makePair();
      await pair.a.connect();
      await pair.b.connect();
      a = valuesOf(pair.a);
      b = valuesOf(pair.b);
      prefix = `lv${Date.now().toString(36)}x${run++}`;
    });
    afterEach(async () => {
      await pair.cleanup();
    });

    it("has no value for a key never written", async () => {
      expect(await a.get(key("never"))).toBeUndefined();
    });

    it("gives the latest value to every connection of the medium", async () => {
      await a.put(key("k"), enc("one"));
      expect(dec(await b.get(key("k")))).toBe("one");
      await b.put(key("k"), enc("two"));
      expect(dec(await a.get(key("k")))).toBe("two");
    });

    it("keeps keys apart", async () => {
      await a.put(key("x"), enc("x"));
      await a.put(key("y"), enc("y"));
      expect(dec(await b.get(key("x")))).toBe("x");
      expect(dec(await b.get(key("y")))).toBe("y");
    });

    it("keeps only the last of many writes", async () => {
      for (let i = 0; i < 50; i++) await a.put(key("many"), enc(String(i)));
      expect(dec(await b.get(key("many")))).toBe("49");
    });

    it("forgets a deleted key, and deleting a missing key is fine", async () => {
      await a.put(key("gone"), enc("v"));
      await a.delete(key("gone"));
      expect(await b.get(key("gone"))).toBeUndefined();
      await expect(a.delete(key("never"))).resolves.toBeUndefined();
    });

    it("does not share memory with the writer", async () => {
      const data = enc("abc");
      await a.put(key("copy"), data);
      data[0] = 0x7a;
      expect(dec(await b.get(key("copy")))).toBe("abc");
    });

    it("compare-and-set: putIf stores only over the revision it was given, and only one of two racing claims wins", async () => {
      if (a.entry === undefined || a.putIf === undefined || b.putIf === undefined)
        throw new Error(`${name}: the last-value store has no compare-and-set (entry, putIf)`);
      expect(await a.entry(key("cas"))).toBeUndefined();
      const first = await a.putIf(key("cas"), enc("one"), 0);
      expect(first).toBeGreaterThan(0);
      // A second "create" finds the key taken.
      expect(await b.putIf(key("cas"), enc("other"), 0)).toBeUndefined();
      const seen = await b.entry!(key("cas"));
      expect(dec(seen?.data)).toBe("one");
      expect(seen?.revision).toBe(first);
      // Two writers read the same revision: one wins, the other is refused and the value is the winner's.
      const [x, y] = await Promise.all([
        a.putIf(key("cas"), enc("a"), first!),
        b.putIf(key("cas"), enc("b"), first!),
      ]);
      expect([x, y].filter((r) => r !== undefined)).toHaveLength(1);
      const winner = x !== undefined ? "a" : "b";
      const after = await a.entry(key("cas"));
      expect(dec(after?.data)).toBe(winner);
      expect(after?.revision).toBeGreaterThan(first!);
      // A plain put moves the revision too: a putIf over the older one is refused.
      await a.put(key("cas"), enc("plain"));
      expect(await b.putIf(key("cas"), enc("late"), after!.revision)).toBeUndefined();
      expect(dec(await b.get(key("cas")))).toBe("plain");
    });

    it("refuses a key with a wildcard or an empty token", async () => {
      for (const bad of [`${prefix}.*`, `${prefix}.>`, `${prefix}..x`]) {
        const err = await a.put(bad, enc("v")).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(TesseraError);
        expect((err as TesseraError).code).toBe("TESSERA_BAD_REQUEST");
      }
    });
  });
}
