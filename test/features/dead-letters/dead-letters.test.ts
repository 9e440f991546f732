import { afterEach, describe, it } from "vitest";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { deadLettersRoundTrip } from "./dlq-scenario.js";

describe("dead letters on the memory transport (issue 17, part C)", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const done of cleanup.splice(0).reverse()) await done();
  });

  it("lists, replays and drops dead letters over HTTP under the management token", async () => {
    await deadLettersRoundTrip(memoryTransport(), (done) => cleanup.push(done));
  });
});
