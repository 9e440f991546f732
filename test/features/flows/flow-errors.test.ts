import { describe, expect, it } from "vitest";
import { errorCatalogue } from "../../../src/core/error-codes.js";
import { TesseraError } from "../../../src/core/errors.js";
import {
  errorBody,
  Interrupted,
  isControl,
  NonDeterminism,
  RunCancelled,
} from "../../../src/features/flows/flow-errors.js";

describe("flow control errors", () => {
  it.each([
    [new Interrupted("interrupted"), "Interrupted", "TESSERA_INTERRUPTED"],
    [new RunCancelled(), "RunCancelled", "TESSERA_CANCELLED"],
    [new NonDeterminism("changed", { seq: 1 }), "NonDeterminism", "TESSERA_NON_DETERMINISM"],
  ])("%s carries a code of the registry and steers the execution", (err, name, code) => {
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    expect(Object.hasOwn(errorCatalogue, code)).toBe(true);
    expect(isControl(err)).toBe(true);
    // Flow code that handles the TesseraErrors of the services it calls must not swallow them.
    expect(err).not.toBeInstanceOf(TesseraError);
  });

  it("leaves every other error to the journal", () => {
    expect(isControl(TesseraError.conflict("x"))).toBe(false);
    expect(isControl(new Error("x"))).toBe(false);
    expect(isControl({ code: "TESSERA_CANCELLED" })).toBe(false);
  });

  it("stores a run's control error under its own code (a cancelled run's error was TESSERA_INTERNAL)", () => {
    expect(errorBody(new NonDeterminism("changed", { seq: 1 }))).toEqual({
      code: "TESSERA_CONFLICT",
      message: "changed",
      details: { seq: 1 },
    });
    expect(errorBody(new RunCancelled())).toEqual({
      code: "TESSERA_CANCELLED",
      message: "the run was cancelled",
    });
  });
});
