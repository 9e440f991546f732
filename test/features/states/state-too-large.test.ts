// Issue 18, second verification, finding 2: a state grew past the payload limit through accepted
// deltas (each small), then silently stopped being stored or served: a fresh holder stayed
// unsynced forever. The resulting value is now checked before a delta is applied.
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { jsonCodec } from "../../../src/core/codec.js";
import { TesseraError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import type { Transport } from "../../../src/core/transport.js";
import { state } from "../../../src/features/states/index.js";
import { StateHolder } from "../../../src/features/states/state-holder.js";
import { StateOwner } from "../../../src/features/states/state-owner.js";

const big = state("big", z.record(z.string(), z.string()), { initial: {} });
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function transport(bus: ReturnType<typeof createMemoryBus>, maxPayload: number): Promise<Transport> {
  const t = memoryTransport({ bus, maxPayload });
  await t.connect();
  stops.push(() => t.close());
  return t;
}

describe("a state's whole value stays within the payload limit", () => {
  it("regression: a state grew past the limit through small deltas, then a fresh holder never synchronised", async () => {
    const bus = createMemoryBus();
    const limit = 16 * 1024;
    const host = async () => ({
      transport: await transport(bus, limit),
      codec: jsonCodec,
      logger: silentLogger,
    });
    const owner = new StateOwner(big, await host(), { beatMs: 60_000 });
    await owner.start();
    stops.push(() => owner.stop());
    const chunk = "x".repeat(1000);
    let refused: unknown;
    let accepted = 0;
    for (let i = 0; i < 40 && refused === undefined; i++) {
      try {
        await owner.patch({ [`k${i}`]: chunk });
        accepted++;
      } catch (err) {
        refused = err;
      }
    }
    // Each 1 kB delta fits; the value reaches the limit after about 15 of them.
    expect(refused).toBeInstanceOf(TesseraError);
    expect((refused as TesseraError).code).toBe("TESSERA_PAYLOAD_TOO_LARGE");
    expect((refused as TesseraError).message).toMatch(/state big: the update would make the value \d+ bytes/);
    // The refused delta changed nothing: the value holds the accepted keys only.
    expect(Object.keys(owner.value)).toHaveLength(accepted);
    expect(owner.seq).toBe(accepted);
    expect(jsonCodec.encode(owner.value).byteLength).toBeLessThan(limit);

    // A fresh holder takes the snapshot and is synchronised.
    const holder = new StateHolder(big, await host());
    await holder.start();
    stops.push(() => holder.stop());
    await vi.waitFor(() => expect(holder.synced).toBe(true), { timeout: 5000 });
    expect(holder.value).toEqual(owner.value);

    // Deleting keys makes room again.
    await owner.patch({ k0: null, k1: null } as never);
    await owner.patch({ again: chunk });
    await vi.waitFor(() => expect(holder.seq).toBe(owner.seq), { timeout: 5000 });
    expect(holder.value).toEqual(owner.value);
  });

  it("measures the value exactly only near the limit (a delta's bytes bound its growth)", async () => {
    const bus = createMemoryBus();
    const t = await transport(bus, 1024 * 1024);
    // Whole-value messages encoded (snapshots: `isSnapshot` true); deltas and stored values aside.
    let wholes = 0;
    const encode = (v: unknown) => {
      if ((v as { isSnapshot?: unknown }).isSnapshot === true) wholes++;
      return jsonCodec.encode(v);
    };
    const owner = new StateOwner(
      big,
      { transport: t, codec: { ...jsonCodec, encode }, logger: silentLogger },
      { beatMs: 60_000 },
    );
    await owner.start();
    stops.push(() => owner.stop());
    wholes = 0;
    for (let i = 0; i < 100; i++) await owner.patch({ [`k${i % 10}`]: String(i) });
    // The first delta measures the whole value; the next ones are bounded by their own bytes.
    expect(wholes).toBe(1);
  });
});
