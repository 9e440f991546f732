import { describe, expect, it } from "vitest";
import type { CallMeta } from "../../src/core/call-meta.js";
import { entry } from "../../src/core/entry.js";
import { withBulkhead } from "../../src/core/middleware/bulkhead.js";
import type { BulkheadPolicy } from "../../src/core/policies.js";
import { service } from "../../src/core/service.js";
import { failsWith, gate, useNodes, waitFor } from "./fixtures.js";

/** An entry held until the test opens the gate; it tracks how many run at once. */
function held(bulkhead: BulkheadPolicy) {
  const state = { running: 0, peak: 0, started: 0, release: gate() };
  const svc = service("held", {
    entries: {
      run: entry({ bulkhead }, async () => {
        state.started++;
        state.running++;
        state.peak = Math.max(state.peak, state.running);
        await state.release.opened;
        state.running--;
        return "done";
      }),
    },
  });
  return { svc, state };
}

describe("bulkhead on an entry", () => {
  const startNode = useNodes();

  it("runs at most `concurrency` at once, queues up to `queue`, refuses the rest with TESSERA_OVERLOADED", async () => {
    const { svc, state } = held({ concurrency: 2, queue: 1 });
    const node = await startNode({ services: [svc] });
    const admitted = [node.call(svc.entries.run), node.call(svc.entries.run), node.call(svc.entries.run)];
    await waitFor(() => expect(state.started).toBe(2));
    const err = await failsWith(node.call(svc.entries.run), "TESSERA_OVERLOADED");
    expect(err.details).toEqual({ target: "held.run", concurrency: 2, queue: 1 });
    expect(state.started).toBe(2);
    state.release.open();
    expect(await Promise.all(admitted)).toEqual(["done", "done", "done"]);
    expect(state.peak).toBe(2);
    expect(state.started).toBe(3);
  });

  it("takes new calls again once the load is gone", async () => {
    const { svc, state } = held({ concurrency: 1 });
    const node = await startNode({ services: [svc] });
    const first = node.call(svc.entries.run);
    await waitFor(() => expect(state.started).toBe(1));
    await failsWith(node.call(svc.entries.run), "TESSERA_OVERLOADED");
    state.release.open();
    await first;
    expect(await node.call(svc.entries.run)).toBe("done");
  });

  it("frees its slot when a call fails", async () => {
    let calls = 0;
    const svc = service("failing", {
      entries: {
        run: entry({ bulkhead: { concurrency: 1 } }, async () => {
          calls++;
          throw new Error("boom");
        }),
      },
    });
    const node = await startNode({ services: [svc] });
    for (let i = 0; i < 3; i++) await failsWith(node.call(svc.entries.run), "TESSERA_INTERNAL");
    expect(calls).toBe(3);
  });

  it("applies to remote callers too, on the serving node", async () => {
    const { svc, state } = held({ concurrency: 1 });
    const { createMemoryBus } = await import("./fixtures.js");
    const bus = createMemoryBus();
    await startNode({ bus, services: [svc] });
    const caller = await startNode({ bus, services: [] });
    const first = caller.call(svc.entries.run);
    await waitFor(() => expect(state.started).toBe(1));
    await failsWith(caller.call(svc.entries.run), "TESSERA_OVERLOADED");
    state.release.open();
    expect(await first).toBe("done");
  });
});

describe("withBulkhead", () => {
  const meta = (deadline?: number): CallMeta => ({
    requestId: "r",
    identity: undefined,
    deadline,
    signal: undefined,
  });

  it("serves the waiting line in order", async () => {
    const order: number[] = [];
    const release = gate();
    const invoke = withBulkhead({ concurrency: 1, queue: 3 }, "t", async (input) => {
      order.push(input as number);
      await release.opened;
      return input;
    });
    const calls = [1, 2, 3, 4].map((n) => invoke(n, meta()));
    release.open();
    expect(await Promise.all(calls)).toEqual([1, 2, 3, 4]);
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it("drops a queued call whose deadline passed while it waited, and serves the next", async () => {
    const release = gate();
    const ran: string[] = [];
    const invoke = withBulkhead({ concurrency: 1, queue: 2 }, "t", async (input) => {
      ran.push(input as string);
      await release.opened;
      return input;
    });
    const first = invoke("first", meta());
    const expired = invoke("expired", meta(Date.now() + 20));
    const last = invoke("last", meta());
    await new Promise((r) => setTimeout(r, 60));
    release.open();
    expect(await first).toBe("first");
    await failsWith(Promise.resolve(expired), "TESSERA_TIMEOUT");
    expect(await last).toBe("last");
    expect(ran).toEqual(["first", "last"]);
  });

  it("releases its slot when the next stage completes synchronously", async () => {
    const invoke = withBulkhead({ concurrency: 1 }, "t", (input) => input);
    expect(await invoke(1, meta())).toBe(1);
    expect(await invoke(2, meta())).toBe(2);
    expect(await invoke(3, meta())).toBe(3);
  });
});
