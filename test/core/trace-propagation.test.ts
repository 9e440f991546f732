import { afterEach, describe, it } from "vitest";
import { createMemoryBus, memoryTransport } from "../../src/adapters/memory/index.js";
import { checkTraceHeaders, startTraceRun, type TraceRun } from "../support/trace-scenario.js";

// HTTP → local nested call → remote call and event, two nodes on one memory bus. The same
// scenario runs over NATS in test/adapters/nats/trace-propagation.int.test.ts.
describe("W3C trace context over the memory bus", () => {
  let run: TraceRun | undefined;
  afterEach(async () => {
    await run?.stop();
    run = undefined;
  });

  it("continues the caller's trace through every hop, a new span each, or starts one", async () => {
    const bus = createMemoryBus();
    run = await startTraceRun(memoryTransport({ bus }), memoryTransport({ bus }));
    await checkTraceHeaders(run);
  });
});
