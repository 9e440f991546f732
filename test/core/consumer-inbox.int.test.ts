import { afterEach, describe, expect, it, vi } from "vitest";
import { natsTransport } from "../../src/adapters/nats/index.js";
import { jsonCodec } from "../../src/core/codec.js";
import { subjects } from "../../src/core/subjects.js";
import { createNode, event, service, silentLogger, subscribe } from "../../src/index.js";
import { deleteStreams } from "../support/jetstream.js";
import { NATS_URL, requireServer } from "../support/servers.js";

// Issue 17, part C, item 4 on JetStream: with the stream's deduplication window at 1 s (2 minutes
// by default), the same event id published again past it is stored and delivered again, and the
// consumer's inbox drops it.

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("the consumer inbox on NATS JetStream", () => {
    const system = `inbox${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const cleanup: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const done of cleanup.splice(0).reverse()) await done();
      await deleteStreams(NATS_URL, `${system}_`);
    });

    it("drops an event id already handled when JetStream stores it again past its deduplication window", async () => {
      const happened = event("inboxtest.happened", undefined, { durable: true });
      const handled: unknown[] = [];
      const ledger = service("ledger", {
        on: { record: subscribe(happened, (payload) => void handled.push(payload)) },
      });
      const transport = natsTransport({
        servers: NATS_URL,
        name: "inbox-test",
        system,
        jetstream: { duplicateWindowMs: 1000 },
      });
      const node = createNode({ services: [ledger], transport, logger: silentLogger });
      await node.start();
      cleanup.push(() => node.stop());
      const publish = async (payload: unknown, id: string) =>
        (await transport.durable!.publish(subjects.event(happened.name), jsonCodec.encode(payload), { id }))
          .duplicate;

      expect(await publish({ n: 1 }, "evt-1")).toBe(false);
      await vi.waitFor(() => expect(handled).toEqual([{ n: 1 }]), { timeout: 10_000 });
      expect(await publish({ n: 1 }, "evt-1")).toBe(true); // within JetStream's window
      await new Promise((r) => setTimeout(r, 1500));
      expect(await publish({ n: 1 }, "evt-1")).toBe(false); // past it: stored again
      expect(await publish({ n: 2 }, "evt-2")).toBe(false);
      await vi.waitFor(() => expect(handled).toContainEqual({ n: 2 }), { timeout: 10_000 });
      await new Promise((r) => setTimeout(r, 300));
      expect(handled).toEqual([{ n: 1 }, { n: 2 }]);
    });
  });
}
