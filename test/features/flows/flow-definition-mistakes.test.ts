// Regression: flow() and signal() threw plain TypeError for a definition mistake, while the rest of
// Tesserae (and the engine, for a flow given twice) raises TESSERA_DEFINITION. Each is now a
// TesseraError with that code, naming the offending flow or signal in its message and details.
import { describe, expect, it } from "vitest";
import { TesseraError } from "../../../src/core/errors.js";
import { flow, signal } from "../../../src/features/flows/index.js";

const body = async () => undefined;

/** What `declare()` threw. */
function thrown(declare: () => unknown): unknown {
  try {
    declare();
  } catch (err) {
    return err;
  }
  throw new Error("no error was thrown");
}

describe("a flow definition mistake", () => {
  it.each<[string, string, () => unknown]>([
    ["a flow name with capitals", "Order", () => flow("Order", {}, body)],
    ["a flow name with a space", "place order", () => flow("place order", {}, body)],
    ["the reserved flow name", "runs", () => flow("runs", {}, body)],
    ["a flow body that is not a function", "place-order", () => flow("place-order", {}, {} as never)],
    ["a signal name", "be approved", () => signal("be approved")],
  ])("in %s is TESSERA_DEFINITION naming %s", (_, name, declare) => {
    const err = thrown(declare);
    expect(err).toBeInstanceOf(TesseraError);
    expect(err).toMatchObject({ code: "TESSERA_DEFINITION", details: { name } });
    expect((err as Error).message).toContain(name);
  });
});
