// Issue 17 follow-up: an Idempotency-Key changed which bodies were accepted. The input's fingerprint
// was its encoding, so a body too deep to encode (in a field the schema strips) was 400 "input
// cannot be encoded" with a key and 200 without, and `{"amount":1e400}` lost its clear validation
// error. A key now never changes the answer to a body, only whether a repeat runs again.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { entry, service } from "../../../src/index.js";
import { gatewayFor } from "./fixtures.js";

function bank() {
  const count = { deposits: 0 };
  const svc = service("bank", {
    entries: {
      deposit: entry({ input: z.object({ amount: z.number() }), idempotent: true }, ({ amount }) => {
        count.deposits++;
        return { amount };
      }),
    },
  });
  return { svc, count };
}

function deep(levels: number): string {
  return `${"[".repeat(levels)}${"]".repeat(levels)}`;
}

const post = (key: string | undefined, raw: string) => ({
  raw,
  headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) },
});

describe("an Idempotency-Key does not change which bodies are accepted", () => {
  it("a 255-deep array in a field the schema strips is accepted with a key as without, a 5000-deep one refused alike", async () => {
    const { svc, count } = bank();
    const { client } = gatewayFor([svc]);
    const raw = `{"amount":1,"extra":${deep(255)}}`;
    const without = await client.post("/bank/deposit", undefined, post(undefined, raw));
    const withKey = await client.post("/bank/deposit", undefined, post("k-deep", raw));
    expect(without.status).toBe(200);
    expect(withKey.status).toBe(200);
    expect(withKey.body).toEqual({ amount: 1 });
    const again = await client.post("/bank/deposit", undefined, post("k-deep", raw));
    expect(again.body).toEqual({ amount: 1 });
    expect(count.deposits).toBe(2);
    // Deeper than the gateway reads (256 levels, issue 19): refused before the inbox, key or not.
    const tooDeep = `{"amount":1,"extra":${deep(5000)}}`;
    const refused = await client.post("/bank/deposit", undefined, post(undefined, tooDeep));
    const refusedWithKey = await client.post("/bank/deposit", undefined, post("k-deeper", tooDeep));
    expect(refused.status).toBe(400);
    expect(refusedWithKey.status).toBe(400);
    expect(count.deposits).toBe(2);
  });

  it("a number out of range gets the same validation error with a key as without", async () => {
    const { svc, count } = bank();
    const { client } = gatewayFor([svc]);
    const raw = '{"amount":1e400}';
    const without = await client.post("/bank/deposit", undefined, post(undefined, raw));
    const withKey = await client.post("/bank/deposit", undefined, post("k-inf", raw));
    expect(without.status).toBe(400);
    expect(withKey.status).toBe(without.status);
    const { requestId: _a, ...error } = (without.body as { error: Record<string, unknown> }).error;
    expect(withKey.body).toEqual({ error: { ...error, requestId: expect.any(String) } });
    expect(JSON.stringify(withKey.body)).not.toMatch(/cannot be encoded/);
    expect(count.deposits).toBe(0);
  });
});
