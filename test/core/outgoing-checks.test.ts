// The checks the memory and ZeroMQ transports share before they send (issue 18: one copy, not two).
import { describe, expect, it } from "vitest";
import { TesseraError } from "../../src/core/errors.js";
import { checkOutgoing, replyWithinLimit } from "../../src/core/outgoing-checks.js";

const limits = { transport: "zeromq", connected: true, maxPayload: 4 };
const bytes = (n: number) => new Uint8Array(n);

function codeOf(f: () => unknown): { code: string; message: string; details: unknown } {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    const e = err as TesseraError;
    return { code: e.code, message: e.message, details: e.details };
  }
  throw new Error("expected a throw");
}

describe("checkOutgoing", () => {
  it("lets a valid subject and a payload at the limit through", () => {
    expect(() => checkOutgoing(limits, "a.b", bytes(4))).not.toThrow();
  });

  it("refuses when not connected, naming the transport", () => {
    expect(codeOf(() => checkOutgoing({ ...limits, connected: false }, "a.b", bytes(1)))).toMatchObject({
      code: "TESSERA_UNAVAILABLE",
      message: "zeromq transport is not connected",
    });
  });

  it("refuses an invalid subject", () => {
    expect(codeOf(() => checkOutgoing(limits, "a.*", bytes(1))).code).toBe("TESSERA_BAD_REQUEST");
  });

  it("refuses a payload past the limit with its size and the limit", () => {
    expect(codeOf(() => checkOutgoing(limits, "a.b", bytes(5)))).toEqual({
      code: "TESSERA_PAYLOAD_TOO_LARGE",
      message: "payload of 5 bytes exceeds the transport limit of 4",
      details: { size: 5, limit: 4 },
    });
  });
});

describe("replyWithinLimit", () => {
  it("gives back a reply that fits and refuses one that does not", () => {
    const reply = { data: bytes(4) };
    expect(replyWithinLimit(reply, 4)).toBe(reply);
    expect(codeOf(() => replyWithinLimit({ data: bytes(5) }, 4)).code).toBe("TESSERA_PAYLOAD_TOO_LARGE");
  });
});
