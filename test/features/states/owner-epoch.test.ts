import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { jsonCodec } from "../../../src/core/codec.js";
import { silentLogger } from "../../../src/core/logger.js";
import type { Transport } from "../../../src/core/transport.js";
import { state } from "../../../src/features/states/index.js";
import { StateHolder } from "../../../src/features/states/state-holder.js";
import { StateOwner } from "../../../src/features/states/state-owner.js";
import { ControlledWire } from "./controlled-wire.js";

const quotes = state("quotes", z.record(z.string(), z.number()), { initial: {} });
const host = (transport: Transport) => ({ transport, codec: jsonCodec, logger: silentLogger });
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Delivers everything in flight, in order, and answers every snapshot request. */
async function drain(wire: ControlledWire): Promise<void> {
  for (;;) {
    const q = wire.queues.findIndex((queue) => queue.length > 0);
    if (q >= 0) wire.deliver(q, 0);
    else if (wire.requests.length > 0) await wire.answer(0);
    else if (wire.replies.length > 0) wire.arrive(0);
    else return;
    await settle();
  }
}

describe("owner epochs", () => {
  afterEach(() => vi.useRealTimers());

  it("regression: two incarnations started in the same millisecond shared an epoch (a holder kept the first one's value)", async () => {
    // The clock stands still: both incarnations start in the same millisecond.
    vi.useFakeTimers({ toFake: ["Date"], now: 1_800_000_000_000 });
    const wire = new ControlledWire();
    const first = wire.endpoint({ storeFails: true });
    const owner1 = new StateOwner(quotes, host(first.transport), { beatMs: 60_000 });
    await owner1.start();
    const holder = new StateHolder(quotes, host(wire.endpoint().transport));
    const started = holder.start();
    await owner1.set({ A: 1 });
    await drain(wire);
    await started;
    expect(holder.value).toEqual({ A: 1 });

    // A crash, and a new incarnation without a store either: it starts again from the initial value.
    first.kill();
    const second = wire.endpoint({ storeFails: true });
    const owner2 = new StateOwner(quotes, host(second.transport), { beatMs: 60_000 });
    await owner2.start();
    expect(owner2.epoch).toBeGreaterThan(owner1.epoch);
    await owner2.patch({ B: 2 });
    await drain(wire);
    // Had they shared an epoch, (epoch, 1) would be the first one's snapshot to the holder: the
    // second one's delta of that number "already in it", and its beats "current", for ever.
    expect(holder.value).toEqual({ B: 2 });
    expect([holder.epoch, holder.seq]).toEqual([owner2.epoch, owner2.seq]);
    second.kill();
    await holder.stop();
  });

  it("an incarnation whose store works comes after one, in the same millisecond, whose store failed", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 1_800_000_000_000 });
    const wire = new ControlledWire();
    const first = wire.endpoint({ storeFails: true });
    const owner1 = new StateOwner(quotes, host(first.transport), { beatMs: 60_000 });
    await owner1.start();
    first.kill();
    const second = wire.endpoint();
    const owner2 = new StateOwner(quotes, host(second.transport), { beatMs: 60_000 });
    await owner2.start();
    expect(owner2.epoch).toBeGreaterThan(owner1.epoch);
    second.kill();
  });
});
