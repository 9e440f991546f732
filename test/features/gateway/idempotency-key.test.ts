// Issue 17, bug 9: a deposit that committed while its client saw a socket reset could not be retried
// safely, HTTP commands took no idempotency key. Now an idempotent entry answers the same key and
// body with its first answer (Stripe, draft-ietf-httpapi-idempotency-key-header).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseIdempotencyKey } from "../../../src/features/gateway/idempotency-key.js";
import { entry, service } from "../../../src/index.js";
import { gatewayFor } from "./fixtures.js";

function bank() {
  const count = { deposits: 0, notes: 0 };
  let balance = 0;
  const svc = service("bank", {
    authorize: (token) => ({ sub: token }),
    entries: {
      deposit: entry(
        { input: z.object({ cents: z.number().int() }), idempotent: true, status: 201 },
        ({ cents }) => {
          count.deposits++;
          balance += cents;
          return { balance };
        },
      ),
      note: entry({ input: z.object({ text: z.string() }) }, () => ++count.notes),
    },
  });
  return { svc, count };
}

const as = (user: string, key?: string) => ({
  headers: { authorization: `Bearer ${user}`, ...(key === undefined ? {} : { "idempotency-key": key }) },
});

describe("Idempotency-Key over HTTP", () => {
  it("the same key and body get the first answer (status and body), the handler runs once", async () => {
    const { svc, count } = bank();
    const { client } = gatewayFor([svc]);
    const first = await client.post("/bank/deposit", { cents: 250 }, as("ada", "k-1"));
    const again = await client.post("/bank/deposit", { cents: 250 }, as("ada", "k-1"));
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ balance: 250 });
    expect(count.deposits).toBe(1);
    expect((await client.post("/bank/deposit", { cents: 250 }, as("ada", "k-2"))).body).toEqual({
      balance: 500,
    });
  });

  it("the same key with another body is 409, and nothing runs", async () => {
    const { svc, count } = bank();
    const { client } = gatewayFor([svc]);
    await client.post("/bank/deposit", { cents: 250 }, as("ada", "k-1"));
    const other = await client.post("/bank/deposit", { cents: 999 }, as("ada", "k-1"));
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: { code: "TESSERA_CONFLICT" } });
    expect(count.deposits).toBe(1);
  });

  it("one caller's key never answers another caller's request", async () => {
    const { svc, count } = bank();
    const { client } = gatewayFor([svc]);
    await client.post("/bank/deposit", { cents: 1 }, as("ada", "k-1"));
    await client.post("/bank/deposit", { cents: 1 }, as("bob", "k-1"));
    expect(count.deposits).toBe(2);
  });

  it("a malformed key is 400", async () => {
    const { svc, count } = bank();
    const { client } = gatewayFor([svc]);
    for (const bad of ['""', "a b", "x".repeat(256), '"unterminated']) {
      const res = await client.post("/bank/deposit", { cents: 1 }, as("ada", bad));
      expect(res.status, bad).toBe(400);
    }
    expect(count.deposits).toBe(0);
  });

  it("a key sent to an entry that is not idempotent is 400 (a retry would not be safe)", async () => {
    const { svc, count } = bank();
    const { client } = gatewayFor([svc]);
    const res = await client.post("/bank/note", { text: "hi" }, as("ada", "k-1"));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { message: expect.stringMatching(/not declared idempotent/) } });
    expect(count.notes).toBe(0);
  });

  it("reads the draft's quoted string and Stripe's bare key", () => {
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe(
      "8e03978e-40d5-43e8-bc93-6894a57f9324",
    );
    expect(parseIdempotencyKey('"a \\"b\\""')).toBe('a "b"');
    expect(parseIdempotencyKey("KG5LxwFBepaKHyUD")).toBe("KG5LxwFBepaKHyUD");
    expect(parseIdempotencyKey("a\u00e9")).toBeUndefined();
  });
});
