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

describe("a holder's retries", () => {
  afterEach(() => vi.useRealTimers());

  it("regression: a holder synchronised by the owner's announcement still fetched a snapshot when its retry fired (jumping over deltas)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    const wire = new ControlledWire();
    const holder = new StateHolder(quotes, host(wire.endpoint().transport), { retryMs: 100 });
    const started = holder.start();
    await settle();
    // No owner yet: nobody answers, nothing is stored, the holder will try again.
    await wire.answer(0);
    wire.arrive(0);
    await started;
    expect(holder.synced).toBe(false);

    // The owner comes up and announces its value: the holder takes it, and follows the deltas.
    const end = wire.endpoint();
    const owner = new StateOwner(quotes, host(end.transport), { beatMs: 60_000 });
    const up = owner.start();
    await settle();
    vi.advanceTimersByTime(0); // the store acknowledges the owner's epoch
    await up;
    await owner.patch({ A: 1 });
    wire.deliver(0, 0);
    wire.deliver(0, 0);
    await settle();
    expect([holder.synced, holder.seq, holder.value]).toEqual([true, 1, { A: 1 }]);

    // The retry's time comes: nothing more to fetch.
    vi.advanceTimersByTime(200);
    await settle();
    expect(wire.requests).toHaveLength(0);
    expect(holder.resyncs.unsynced).toBe(1);
    end.kill();
    await holder.stop();
  });
});
