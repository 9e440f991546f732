// Issue 18, second verification, finding 9: a project without "type": "module" loaded the framework
// twice, and hasCode() stopped recognising the other copy's errors (a stood-down feed kept failing
// updates; onSignal failed TESSERA_CONFLICT). Errors are recognised by a global brand now.
import { describe, expect, it } from "vitest";
import { hasCode, TesseraError } from "../../src/core/errors.js";
import { AslError } from "../../src/features/declared-flows/asl/asl-error.js";

/** A second copy of the errors module, as a second load of the framework gives. */
async function otherCopy(): Promise<typeof import("../../src/core/errors.js")> {
  // @ts-expect-error: a query makes it a module of its own (a second instance)
  return (await import("../../src/core/errors.js?second-copy")) as typeof import("../../src/core/errors.js");
}

describe("errors of another copy of the framework", () => {
  it("regression: hasCode() did not recognise a TesseraError from a second copy of the framework", async () => {
    const other = await otherCopy();
    expect(other.TesseraError).not.toBe(TesseraError);
    const err = other.TesseraError.conflict("stood down");
    expect(hasCode(err, "TESSERA_CONFLICT")).toBe(true);
    expect(err instanceof TesseraError).toBe(true);
    expect(TesseraError.from(err)).toBe(err);
    // And the other way round.
    expect(other.hasCode(TesseraError.timeout("late"), "TESSERA_TIMEOUT")).toBe(true);
  });

  it("still tells other errors apart, and a subclass checks its prototype", () => {
    expect(hasCode(new Error("plain"), "TESSERA_INTERNAL")).toBe(false);
    const isTesseraError = (v: unknown) => v instanceof TesseraError;
    expect(isTesseraError({ code: "TESSERA_CONFLICT" })).toBe(false);
    expect(isTesseraError(null)).toBe(false);
    expect(TesseraError.conflict("x") instanceof AslError).toBe(false);
  });
});
