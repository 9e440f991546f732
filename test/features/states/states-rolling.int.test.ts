// Issue 18, part A, bug 3 on NATS: a rolling deploy (the new owner up before the old one stops)
// leaves one owner, a stored value of the newest epoch, and holders on the new owner's value.
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import { jsonCodec } from "../../../src/core/codec.js";
import { type Logger, silentLogger } from "../../../src/core/logger.js";
import { createNode, type TesseraNode } from "../../../src/core/node.js";
import { service } from "../../../src/core/service.js";
import { holds, owns, replicatedStates, state } from "../../../src/features/states/index.js";
import { decodeStored } from "../../../src/features/states/state-wire.js";
import { deleteStreams } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

const waitFor = (check: () => void | Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("one owner per state on NATS", () => {
    const nodes: TesseraNode[] = [];
    const system = `roll${Math.random().toString(36).slice(2, 8)}`;
    afterEach(async () => {
      await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
      await deleteStreams(NATS_URL, `${system}_`);
    });

    it("rolling deploy: the new feed claims the state, the old one stands down, its stop stores nothing, a fresh holder takes the new owner's value", async () => {
      const book = state("book", z.object({ min_ask: z.string().trim(), qty: z.number().default(1) }), {
        initial: { min_ask: "", qty: 1 },
      });
      const feed = service("feed", { uses: [owns(book)] });
      const trader = service("trader", { uses: [holds(book)] });
      const warnings: string[] = [];
      const recording: Logger = {
        debug: () => undefined,
        info: () => undefined,
        warn: (m) => void warnings.push(m),
        error: (m) => void warnings.push(m),
        child: () => recording,
      };
      const start = async (run: string, logger: Logger = silentLogger) => {
        const node = createNode({
          services: [feed, trader],
          run: [run],
          transport: natsTransport({ servers: NATS_URL, name: run, system }),
          plugins: [replicatedStates({ beatMs: 200, retryMs: 50 })],
          logger,
        });
        nodes.push(node);
        await node.start();
        return node;
      };
      const oldFeed = await start("feed", recording);
      const holder = await start("trader");
      const oldHandle = oldFeed.use(book, "feed");
      for (let i = 1; i <= 50; i++) await oldHandle.patch({ min_ask: ` ${i} ` });
      await oldHandle.flush();

      const newFeed = await start("feed");
      const newHandle = newFeed.use(book, "feed");
      expect(newHandle.epoch).toBeGreaterThan(oldHandle.epoch);
      expect(newHandle.value.min_ask).toBe("50");
      await waitFor(() => expect(warnings.some((w) => w.includes("stands down"))).toBe(true));
      await expect(oldHandle.patch({ min_ask: "stale" })).rejects.toMatchObject({ code: "TESSERA_CONFLICT" });
      for (let i = 51; i <= 60; i++) await newHandle.patch({ min_ask: String(i) });
      await newHandle.flush();
      await oldFeed.stop();

      const reader = natsTransport({ servers: NATS_URL, name: "reader", system });
      await reader.connect();
      try {
        const stored = decodeStored(jsonCodec, (await reader.lastValues!.get("state.book"))!);
        expect([stored?.epoch, stored?.value.min_ask]).toEqual([newHandle.epoch, "60"]);
      } finally {
        await reader.close();
      }
      const fresh = await start("trader");
      const copy = fresh.use(book, "trader");
      expect([copy.epoch, copy.value]).toEqual([newHandle.epoch, newHandle.value]);
      const held = holder.use(book, "trader");
      await waitFor(() =>
        expect([held.epoch, held.seq, held.value]).toEqual([newHandle.epoch, newHandle.seq, newHandle.value]),
      );
    });
  });
}
