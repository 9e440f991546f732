// Issue 18, part A: the property that would have caught bugs 1-3. Random patches on an object
// schema with transforms, defaults and stripped keys, some carrying values the JSON codec cannot
// encode, and second owners started while the first still runs (rolling deploys), on the memory
// transport: a rejected update changes nothing, and every holder ends on the newest owner's value
// and number; stale owners refuse updates.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { jsonCodec } from "../../../src/core/codec.js";
import { silentLogger } from "../../../src/core/logger.js";
import type { Transport } from "../../../src/core/transport.js";
import { type StateDef, state } from "../../../src/features/states/index.js";
import { StateHolder } from "../../../src/features/states/state-holder.js";
import { StateOwner } from "../../../src/features/states/state-owner.js";

const quote = state(
  "quote",
  z.object({
    sym: z.string().trim().toUpperCase(),
    px: z.number().default(0),
    venue: z.string().optional(),
    at: z.date().optional(),
  }),
  { initial: { sym: "", px: 0 } },
);
type Quote = typeof quote extends StateDef<string, infer T> ? T : never;

const op = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("patch" as const),
      sym: fc.option(fc.constantFrom(" aapl ", "msft", "  ibm"), { nil: undefined }),
      px: fc.option(fc.option(fc.integer(), { nil: null }), { nil: undefined }),
      venue: fc.option(fc.option(fc.constantFrom("XNAS", " x "), { nil: null }), { nil: undefined }),
      bogus: fc.boolean(),
      date: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "owner" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "holder" as const }) },
);

describe("owners and holders on an object schema, property-based", () => {
  it("rejected updates change nothing; holders end on the newest owner's value and number; stale owners refuse", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const bus = createMemoryBus();
        const transports: Transport[] = [];
        const on = async () => {
          const t = memoryTransport({ bus });
          await t.connect();
          transports.push(t);
          return { transport: t, codec: jsonCodec, logger: silentLogger };
        };
        const owners: StateOwner<Quote>[] = [];
        const holders: StateHolder<Quote>[] = [];
        const newOwner = async () => {
          const o = new StateOwner(quote, await on(), { beatMs: 60_000, persistMs: 1 });
          await o.start();
          owners.push(o);
        };
        const newHolder = async () => {
          const h = new StateHolder(quote, await on(), { retryMs: 5 });
          await h.start();
          holders.push(h);
        };
        try {
          await newOwner();
          await newHolder();
          for (const o of ops) {
            if (o.kind === "owner") await newOwner();
            else if (o.kind === "holder") await newHolder();
            else {
              const owner = owners.at(-1)!;
              const before = [structuredClone(owner.value), owner.seq];
              const delta: Record<string, unknown> = {};
              if (o.sym !== undefined) delta.sym = o.sym;
              if (o.px !== undefined) delta.px = o.px;
              if (o.venue !== undefined) delta.venue = o.venue;
              if (o.bogus) delta.bogus = 1;
              if (o.date) delta.at = new Date(0);
              const ok = await owner.patch(delta as never).then(
                () => true,
                () => false,
              );
              if (!ok) expect([owner.value, owner.seq]).toEqual(before);
              expect(o.date && ok).toBe(false);
            }
          }
          const owner = owners.at(-1)!;
          for (const stale of owners.slice(0, -1)) {
            await vi.waitFor(() => expect(stale.supersededBy).toBeDefined());
            await expect(stale.patch({ px: 1 })).rejects.toMatchObject({ code: "TESSERA_CONFLICT" });
          }
          for (const h of holders) {
            await vi.waitFor(() => expect([h.epoch, h.seq]).toEqual([owner.epoch, owner.seq]));
            expect(h.value).toEqual(owner.value);
          }
        } finally {
          for (const h of holders) await h.stop();
          for (const o of owners) await o.stop();
          for (const t of transports) await t.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
