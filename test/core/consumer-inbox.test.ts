import { afterEach, describe, expect, it, vi } from "vitest";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { jsonCodec } from "../../src/core/codec.js";
import { subjects } from "../../src/core/subjects.js";
import { createNode, event, service, silentLogger, subscribe, type TesseraNode } from "../../src/index.js";

// Issue 17, part C, item 4: a durable consumer drops an event id it already handled, beyond the
// broker's 2-minute deduplication window, for the node inbox's retention. The clock is Date's,
// moved by vitest (the memory bus's deduplication window reads it too).

const happened = event("inboxtest.happened", undefined, { durable: true });
const minute = 60_000;

async function world(options: { inboxRetentionMs?: number } = {}) {
  const handled: unknown[] = [];
  const ledger = service("ledger", {
    on: { record: subscribe(happened, (payload) => void handled.push(payload)) },
  });
  const transport = memoryTransport();
  const node: TesseraNode = createNode({ services: [ledger], transport, logger: silentLogger, ...options });
  await node.start();
  /** Publishes as an emit with `id` does; resolves to whether the medium took it as a duplicate. */
  const publish = async (payload: unknown, id: string) =>
    (await transport.durable!.publish(subjects.event(happened.name), jsonCodec.encode(payload), { id }))
      .duplicate;
  return { node, handled, publish };
}

describe("the consumer inbox of durable subscribers", () => {
  const nodes: TesseraNode[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const n of nodes.splice(0)) await n.stop();
  });

  it("drops an event id already handled when it is published again 3 minutes later", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const w = await world();
    nodes.push(w.node);
    expect(await w.publish({ n: 1 }, "evt-1")).toBe(false);
    await vi.waitFor(() => expect(w.handled).toEqual([{ n: 1 }]));

    vi.setSystemTime(Date.now() + 3 * minute);
    // Past the medium's deduplication window: stored and delivered again…
    expect(await w.publish({ n: 1 }, "evt-1")).toBe(false);
    expect(await w.publish({ n: 2 }, "evt-2")).toBe(false);
    await vi.waitFor(() => expect(w.handled).toContainEqual({ n: 2 }));
    // …and dropped by the consumer's inbox.
    expect(w.handled).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("handles the id again once the node's inbox retention has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const w = await world({ inboxRetentionMs: 2 * minute });
    nodes.push(w.node);
    await w.publish({ n: 1 }, "evt-1");
    await vi.waitFor(() => expect(w.handled).toEqual([{ n: 1 }]));
    vi.setSystemTime(Date.now() + 3 * minute);
    await w.publish({ n: 1 }, "evt-1");
    await vi.waitFor(() => expect(w.handled).toEqual([{ n: 1 }, { n: 1 }]));
  });

  it("a handler that failed leaves the id free: its redelivery runs the handler", async () => {
    const seen: number[] = [];
    let fail = true;
    const ledger = service("ledger", {
      on: {
        record: subscribe(
          happened,
          (payload: unknown) => {
            seen.push((payload as { n: number }).n);
            if (fail) {
              fail = false;
              throw new Error("once");
            }
          },
          { retry: { attempts: 3, baseDelayMs: 10 } },
        ),
      },
    });
    const transport = memoryTransport();
    const node = createNode({ services: [ledger], transport, logger: silentLogger });
    await node.start();
    nodes.push(node);
    await node.emit(happened, { n: 7 }, { id: "evt-7" });
    await vi.waitFor(() => expect(seen).toEqual([7, 7]));
  });
});
