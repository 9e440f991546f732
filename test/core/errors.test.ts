import { describe, expect, it } from "vitest";
import { errorCatalogue, isErrorCode } from "../../src/core/error-codes.js";
import { hasCode, TesseraError } from "../../src/core/errors.js";

describe("TesseraError", () => {
  it.each([
    [TesseraError.badRequest("x"), "TESSERA_BAD_REQUEST"],
    [TesseraError.unauthorized(), "TESSERA_UNAUTHORIZED"],
    [TesseraError.forbidden(), "TESSERA_FORBIDDEN"],
    [TesseraError.notFound("x"), "TESSERA_NOT_FOUND"],
    [TesseraError.conflict("x"), "TESSERA_CONFLICT"],
    [TesseraError.unavailable("x"), "TESSERA_UNAVAILABLE"],
    [TesseraError.timeout("x"), "TESSERA_TIMEOUT"],
  ])("%s has code %s", (err, code) => {
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(TesseraError);
    expect(err.name).toBe("TesseraError");
    expect(err.code).toBe(code);
  });

  it("gives default messages to unauthorized and forbidden", () => {
    expect(TesseraError.unauthorized().message).toBe("unauthorized");
    expect(TesseraError.forbidden().message).toBe("forbidden");
  });

  it("knows from the catalogue whether a retry may succeed", () => {
    expect(TesseraError.timeout("t").retryable).toBe(true);
    expect(TesseraError.unavailable("u").retryable).toBe(true);
    expect(new TesseraError("TESSERA_OVERLOADED", "o").retryable).toBe(true);
    expect(new TesseraError("TESSERA_CIRCUIT_OPEN", "c").retryable).toBe(true);
    expect(TesseraError.conflict("c").retryable).toBe(false);
    expect(new TesseraError("TESSERA_INTERNAL", "i").retryable).toBe(false);
    expect(new TesseraError("TESSERA_VALIDATION", "v").retryable).toBe(false);
  });

  it("keeps a cause for the log without putting it in the JSON", () => {
    const cause = new Error("password=hunter2");
    const err = new TesseraError("TESSERA_INTERNAL", "internal error", { cause });
    expect(err.cause).toBe(cause);
    expect(JSON.stringify(err)).toBe('{"code":"TESSERA_INTERNAL","message":"internal error"}');
    expect(JSON.stringify(err)).not.toContain("hunter2");
  });

  it("puts details in the JSON only when there are some", () => {
    expect(TesseraError.conflict("taken").toJSON()).toEqual({ code: "TESSERA_CONFLICT", message: "taken" });
    expect(Object.keys(TesseraError.conflict("taken").toJSON())).toEqual(["code", "message"]);
    expect(TesseraError.conflict("taken", { id: 1 }).toJSON()).toEqual({
      code: "TESSERA_CONFLICT",
      message: "taken",
      details: { id: 1 },
    });
  });
});

describe("TesseraError.fromBody", () => {
  it("rebuilds an error from its JSON", () => {
    const original = TesseraError.notFound("no order 7", { id: 7 });
    const back = TesseraError.fromBody(JSON.parse(JSON.stringify(original)));
    expect(back).toBeInstanceOf(TesseraError);
    expect(back.toJSON()).toEqual(original.toJSON());
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a string", "boom"],
    ["an unknown code", { code: "NOPE", message: "x" }],
    ["a code that is not own to the catalogue", { code: "toString", message: "x" }],
    ["a message that is not a string", { code: "TESSERA_CONFLICT", message: 5 }],
    ["a missing message", { code: "TESSERA_CONFLICT" }],
  ])("turns %s into TESSERA_INTERNAL", (_what, body) => {
    const err = TesseraError.fromBody(body);
    expect(err.code).toBe("TESSERA_INTERNAL");
    expect(err.message).toBe("malformed error from a remote service");
  });
});

describe("TesseraError.from", () => {
  it("returns a TesseraError as it is", () => {
    const err = TesseraError.conflict("x");
    expect(TesseraError.from(err)).toBe(err);
  });

  it.each([
    ["an Error", new Error("secret detail")],
    ["a string", "secret detail"],
    ["an object", { secret: "detail" }],
  ])("wraps %s into TESSERA_INTERNAL, keeping it as the cause and out of the message", (_what, thrown) => {
    const err = TesseraError.from(thrown);
    expect(err.code).toBe("TESSERA_INTERNAL");
    expect(err.message).toBe("internal error");
    expect(err.cause).toBe(thrown);
    expect(JSON.stringify(err)).not.toContain("secret");
  });
});

describe("hasCode and the catalogue", () => {
  it("checks the code of a TesseraError only", () => {
    expect(hasCode(TesseraError.conflict("x"), "TESSERA_CONFLICT")).toBe(true);
    expect(hasCode(TesseraError.conflict("x"), "TESSERA_NOT_FOUND")).toBe(false);
    expect(hasCode({ code: "TESSERA_CONFLICT" }, "TESSERA_CONFLICT")).toBe(false);
  });

  it("recognises exactly the catalogue's codes", () => {
    for (const code of Object.keys(errorCatalogue)) {
      expect(code).toMatch(/^TESSERA_[A-Z_]+$/);
      expect(isErrorCode(code)).toBe(true);
    }
    expect(isErrorCode("TESSERA_NOPE")).toBe(false);
    expect(isErrorCode("constructor")).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });

  it("describes every code", () => {
    for (const { description } of Object.values(errorCatalogue))
      expect(description.length).toBeGreaterThan(10);
  });
});
