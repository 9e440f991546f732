import { afterEach, describe, it } from "vitest";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { entityCrossesTheWire } from "./entity-wire-scenario.js";

describe("an Entity crosses processes (issue 17, bug 6)", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const done of cleanup.splice(0).reverse()) await done();
  });

  it("an entry returning an Entity answers the same through another node on the memory transport", async () => {
    const bus = memoryTransport();
    await entityCrossesTheWire(
      async () => bus,
      (done) => cleanup.push(done),
    );
  });
});
