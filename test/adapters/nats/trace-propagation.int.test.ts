import { afterEach, describe, it } from "vitest";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import { NATS_URL, requireServer } from "../../support/servers.js";
import { checkTraceHeaders, startTraceRun, type TraceRun } from "../../support/trace-scenario.js";

// The scenario of test/core/trace-propagation.test.ts with the two nodes on NATS: the trace
// crosses the broker in the `traceparent` and `tracestate` headers of calls and events.
if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("W3C trace context over NATS", () => {
    let run: TraceRun | undefined;
    afterEach(async () => {
      await run?.stop();
      run = undefined;
    });

    it("continues the caller's trace through every hop, a new span each, or starts one", async () => {
      // Names of its own: other runs may share the broker.
      const tag = Math.random()
        .toString(36)
        .replace(/[^a-z]/g, "")
        .slice(0, 6);
      run = await startTraceRun(
        natsTransport({ servers: NATS_URL, name: "trace-a" }),
        natsTransport({ servers: NATS_URL, name: "trace-b" }),
        tag,
      );
      await checkTraceHeaders(run);
    });
  });
}
