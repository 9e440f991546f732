// The runtime's delta protocol, property-based: a real StateOwner and real StateHolders on a wire
// whose every delivery the test decides (see controlled-wire.ts). The owner's updates interleave
// with deliveries, drops, duplicates, reorderings, snapshots taken when the owner answers and
// delivered later (so the deltas sent after a snapshot may overtake it: they wait in the holder's
// buffer and are replayed after it), request timeouts (the holder then reads the stored value),
// the clock (write-behind, beats, retries) and owner crashes, with or without a working
// last-value store. Timers and the clock are fake, so that a failing case replays exactly.
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { jsonCodec } from "../../../src/core/codec.js";
import { silentLogger } from "../../../src/core/logger.js";
import type { Transport } from "../../../src/core/transport.js";
import type { Delta, ResyncReason } from "../../../src/features/states/delta.js";
import { type StateChange, state } from "../../../src/features/states/index.js";
import { StateHolder } from "../../../src/features/states/state-holder.js";
import { StateOwner } from "../../../src/features/states/state-owner.js";
import { ControlledWire, type Endpoint } from "./controlled-wire.js";

type Quotes = Record<string, number>;
const quotes = state("quotes", z.record(z.string(), z.number()), { initial: {} });

const BEAT_MS = 40;
const PERSIST_MS = 5;
const RETRY_MS = 10;
/** The store's acknowledgements take this long: between two writes, the stored value falls behind. */
const STORE_ACK_MS = 3;

/** Lets every promise chain that waits on nothing but promises run to its end (timers are fake). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const host = (transport: Transport) => ({ transport, codec: jsonCodec, logger: silentLogger });

/** One owner (restarted at will) and its holders on a controlled wire. */
class System {
  readonly wire = new ControlledWire(STORE_ACK_MS);
  owner: StateOwner<Quotes> | undefined;
  private ownerEnd: Endpoint | undefined;
  readonly holders: StateHolder<Quotes>[] = [];
  /** What a holder's changes must never do, whatever the wire does. */
  readonly violations: string[] = [];

  /** A crash of the running owner (nothing more it sends gets out), then a new incarnation. */
  async startOwner(storeFails: boolean): Promise<void> {
    this.ownerEnd?.kill();
    this.ownerEnd = this.wire.endpoint({ storeFails });
    this.owner = new StateOwner(quotes, host(this.ownerEnd.transport), {
      persistMs: PERSIST_MS,
      beatMs: BEAT_MS,
    });
    const started = this.owner.start();
    // It claims its epoch in the store before it serves: the store's acknowledgement comes with time.
    await settle();
    vi.advanceTimersByTime(STORE_ACK_MS);
    await started;
  }

  /** A holder that starts now: it subscribes (its queue is the wire's next) and asks for a snapshot. */
  addHolder(): void {
    const holder = new StateHolder(quotes, host(this.wire.endpoint().transport), { retryMs: RETRY_MS });
    const index = this.holders.length;
    let last: StateChange<Quotes> | undefined;
    holder.onChange((c) => {
      const at = `holder ${index} at ${last?.epoch}/${last?.seq}`;
      if (last === undefined) {
        if (c.kind === "delta") this.violations.push(`${at}: a delta before any snapshot`);
      } else if (c.epoch < last.epoch || (c.epoch === last.epoch && c.seq < last.seq)) {
        this.violations.push(`${at}: went back to ${c.epoch}/${c.seq}`);
      } else if (c.kind === "delta" && (c.epoch !== last.epoch || c.seq !== last.seq + 1)) {
        this.violations.push(`${at}: applied the delta ${c.epoch}/${c.seq} out of order`);
      }
      last = { ...c };
    });
    this.holders.push(holder);
    void holder.start();
  }

  /** Delivers everything in order and answers every request, until the wire is quiet. */
  async drain(): Promise<void> {
    for (let round = 0; round < 100_000; round++) {
      const q = this.wire.queues.findIndex((queue) => queue.length > 0);
      if (q >= 0) this.wire.deliver(q, 0);
      else if (this.wire.requests.length > 0) await this.wire.answer(0);
      else if (this.wire.replies.length > 0) this.wire.arrive(0);
      else return;
      await settle();
    }
    throw new Error("the wire never went quiet");
  }

  /** The end of the story: what is in flight arrives, the owner beats, late requests are answered. */
  async finish(): Promise<void> {
    await this.drain();
    vi.advanceTimersByTime(2 * BEAT_MS + RETRY_MS);
    await settle();
    await this.drain();
  }

  async dispose(): Promise<void> {
    for (let i = this.wire.requests.length - 1; i >= 0; i--) this.wire.timeout(i);
    while (this.wire.replies.length > 0) this.wire.arrive(0);
    this.ownerEnd?.kill();
    await settle();
    await Promise.all(this.holders.map((h) => h.stop()));
  }
}

const key = fc.constantFrom("a", "b", "c", "d", "e");
const update = [
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("patch" as const),
      delta: fc.dictionary(key, fc.option(fc.integer(), { nil: null })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("set" as const), value: fc.dictionary(key, fc.integer()) }),
  },
];
const lifecycle = [
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 30 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("restart" as const),
      storeFails: fc.boolean(),
      // 0: the next incarnation starts in the same millisecond.
      downMs: fc.integer({ min: 0, max: 20 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "join" as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("answer" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("arrive" as const), pick: fc.nat() }) },
];
/** Any wire: reordered, lossy, duplicating, with snapshot requests that time out. */
const anyOp = fc.oneof(
  ...update,
  ...lifecycle,
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("deliver" as const),
      holder: fc.nat(),
      pick: fc.nat(),
      inOrder: fc.boolean(),
      fate: fc.constantFrom("deliver", "deliver", "deliver", "drop", "dup"),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("timeout" as const), pick: fc.nat() }) },
);
/** A wire like NATS on a good day: in order, nothing lost, nothing twice, every request answered. */
const orderedOp = fc.oneof(...update, ...lifecycle, {
  weight: 12,
  arbitrary: fc.record({
    kind: fc.constant("deliver" as const),
    holder: fc.nat(),
    pick: fc.constant(0),
    inOrder: fc.constant(true),
    fate: fc.constant("deliver"),
  }),
});
type Op = typeof anyOp extends fc.Arbitrary<infer O> ? O : never;

async function step(sys: System, op: Op): Promise<void> {
  const { wire } = sys;
  switch (op.kind) {
    case "patch":
      sys.owner?.patch(op.delta as Delta<Quotes>).catch(() => undefined);
      break;
    case "set":
      sys.owner?.set(op.value).catch(() => undefined);
      break;
    case "deliver": {
      if (sys.holders.length === 0) break;
      const index = op.holder % sys.holders.length;
      const queue = wire.queues[index] ?? [];
      if (queue.length === 0) break;
      const position = op.inOrder ? 0 : op.pick % queue.length;
      if (op.fate === "drop") wire.drop(index, position);
      else wire.deliver(index, position, op.fate === "dup");
      break;
    }
    case "answer":
      if (wire.requests.length > 0) await wire.answer(op.pick % wire.requests.length);
      break;
    case "arrive":
      if (wire.replies.length > 0) wire.arrive(op.pick % wire.replies.length);
      break;
    case "timeout":
      if (wire.requests.length > 0) wire.timeout(op.pick % wire.requests.length);
      break;
    case "tick":
      vi.advanceTimersByTime(op.ms);
      break;
    case "restart":
      sys.owner = undefined;
      vi.advanceTimersByTime(op.downMs);
      await sys.startOwner(op.storeFails);
      break;
    case "join":
      if (sys.holders.length < 3) sys.addHolder();
      break;
  }
  await settle();
}

/** Runs a story: an owner, a first holder, the ops, the end; checks the holders and returns them. */
async function run(ops: readonly Op[]): Promise<System> {
  const sys = new System();
  await sys.startOwner(false);
  sys.addHolder();
  await settle();
  for (const op of ops) await step(sys, op);
  await sys.finish();
  const owner = sys.owner!;
  expect(sys.violations).toEqual([]);
  for (const holder of sys.holders) {
    expect(holder.value).toEqual(owner.value);
    expect([holder.epoch, holder.seq]).toEqual([owner.epoch, owner.seq]);
  }
  return sys;
}

async function withFakeClock<R>(body: () => Promise<R>): Promise<R> {
  // setImmediate stays real: `settle` needs it.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  try {
    return await body();
  } finally {
    vi.clearAllTimers();
    vi.useRealTimers();
  }
}

describe("StateHolder and StateOwner on a controlled wire, property-based", () => {
  afterEach(() => vi.useRealTimers());

  it("every holder converges to the owner's value and number, never applies a delta out of order, never goes back", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyOp, { maxLength: 150, size: "max" }), (ops) =>
        withFakeClock(async () => {
          const sys = await run(ops);
          await sys.dispose();
        }),
      ),
      { numRuns: 300 },
    );
  });

  it("on an ordered lossless wire, a holder fetches one snapshot only, however the updates interleave with it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(orderedOp, { maxLength: 150, size: "max" }), (ops) =>
        withFakeClock(async () => {
          const sys = await run(ops);
          const none: Record<ResyncReason, number> = {
            unsynced: 1,
            gap: 0,
            duplicate: 0,
            "new-epoch": 0,
            behind: 0,
          };
          for (const holder of sys.holders) expect(holder.resyncs).toEqual(none);
          await sys.dispose();
        }),
      ),
      { numRuns: 300 },
    );
  });
});
