import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode, type TesseraNode } from "../../../src/core/node.js";
import { service } from "../../../src/core/service.js";
import { holds, owns, replicatedStates, state } from "../../../src/features/states/index.js";
import { deleteStreams, testStreamPrefix } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("replicated states on NATS", () => {
    const nodes: TesseraNode[] = [];
    let prefix = testStreamPrefix();
    afterEach(async () => {
      await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
      await deleteStreams(NATS_URL, prefix);
      prefix = testStreamPrefix();
    });

    // A state name of its own per test: subjects are shared by the whole server.
    const world = () => {
      const name = `prices${Math.random().toString(36).slice(2, 8)}`;
      const prices = state(name, z.record(z.string(), z.number()), { initial: {} });
      const owner = service("owner", { uses: [owns(prices)] });
      const holders = ["h1", "h2", "h3"].map((h) => service(h, { uses: [holds(prices)] }));
      const all = [owner, ...holders];
      const start = async (run: string) => {
        const node = createNode({
          services: all,
          run: [run],
          transport: natsTransport({ servers: NATS_URL, name: run, jetstream: { streamPrefix: prefix } }),
          plugins: [replicatedStates({ beatMs: 200, retryMs: 50 })],
          logger: silentLogger,
        });
        nodes.push(node);
        await node.start();
        return node;
      };
      return { prices, start };
    };

    it("one owner, three holders on their own connections: every copy converges, number included", async () => {
      const { prices, start } = world();
      const owner = await start("owner");
      const holders = await Promise.all(["h1", "h2", "h3"].map(start));
      const handle = owner.use(prices, "owner");
      for (let i = 0; i < 2000; i++)
        void handle.patch({ [`S${i % 50}`]: i, [`S${(i + 7) % 50}`]: i % 3 === 0 ? null : i });
      await waitFor(() => {
        for (const [i, h] of holders.entries()) {
          const copy = h.use(prices, `h${i + 1}`);
          expect(copy.seq).toBe(2000);
          expect(copy.value).toEqual(handle.value);
        }
      });
    });

    it("a restarted owner resumes its numbering from JetStream under a new epoch; holders follow", async () => {
      const { prices, start } = world();
      const owner1 = await start("owner");
      const h1 = await start("h1");
      for (let i = 0; i < 100; i++) await owner1.use(prices, "owner").patch({ A: i });
      const epoch = owner1.use(prices, "owner").epoch;
      await owner1.stop();
      const owner2 = await start("owner");
      const handle = owner2.use(prices, "owner");
      expect(handle.epoch).toBeGreaterThan(epoch);
      expect([handle.seq, handle.value]).toEqual([100, { A: 99 }]);
      await handle.patch({ B: 1 });
      await waitFor(() => {
        const copy = h1.use(prices, "h1");
        expect([copy.epoch, copy.seq, copy.value]).toEqual([handle.epoch, 101, { A: 99, B: 1 }]);
      });
    });

    it("a holder that starts while the owner is down gets the stored snapshot, then follows the owner when it is back", async () => {
      const { prices, start } = world();
      const owner1 = await start("owner");
      await owner1.use(prices, "owner").patch({ A: 1 });
      await owner1.use(prices, "owner").patch({ B: 2 });
      await owner1.stop();
      const h2 = await start("h2");
      const copy = h2.use(prices, "h2");
      expect([copy.synced, copy.seq, copy.value]).toEqual([true, 2, { A: 1, B: 2 }]);
      const owner2 = await start("owner");
      await owner2.use(prices, "owner").patch({ A: null });
      await waitFor(() => expect([copy.seq, copy.value]).toEqual([3, { B: 2 }]));
    });
  });
}
