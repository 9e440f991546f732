import type { Consumer, ConsumerMessages, ConsumerNotification, JsMsg } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { SupervisedPull } from "../../../src/adapters/nats/supervised-pull.js";
import { silentLogger } from "../../../src/core/logger.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pull loop of nats.js, faked: its status notifications are pushed by the test. */
class FakeLoop {
  closed = false;
  private waiting: ((r: IteratorResult<ConsumerNotification>) => void) | undefined;
  constructor(readonly callback: (m: JsMsg) => void) {}
  notify(n: ConsumerNotification): void {
    this.waiting?.({ value: n, done: false });
    this.waiting = undefined;
  }
  messages(): ConsumerMessages {
    return {
      status: () => ({
        [Symbol.asyncIterator]: () => ({
          next: () =>
            this.closed
              ? Promise.resolve({ value: undefined, done: true })
              : new Promise<IteratorResult<ConsumerNotification>>((r) => {
                  this.waiting = r;
                }),
        }),
      }),
      close: async () => {
        this.closed = true;
        this.waiting?.({ value: undefined, done: true });
      },
    } as unknown as ConsumerMessages;
  }
}

function fakeConsumer(loops: FakeLoop[]): Consumer {
  return {
    consume: async (opts: { callback: (m: JsMsg) => void }) => {
      const loop = new FakeLoop(opts.callback);
      loops.push(loop);
      return loop.messages();
    },
  } as unknown as Consumer;
}

const settings = { maxMessages: 10, expiresMs: 1000, heartbeatMs: 100 };

describe("a consumer's pull loop after a leader change (issue 15, item 2)", () => {
  it("hearing nothing for three heartbeats, it probes the consumer and pulls again as soon as a leader answers", async () => {
    const loops: FakeLoop[] = [];
    let leaderAt = Number.POSITIVE_INFINITY;
    let probes = 0;
    const target = {
      consumer: fakeConsumer(loops),
      name: "S/c",
      probe: async () => {
        probes++;
        if (Date.now() < leaderAt) throw new Error("timeout");
      },
    };
    const got: string[] = [];
    const pull = await SupervisedPull.start(
      target,
      settings,
      (m) => void got.push(String(m.seq)),
      silentLogger,
    );
    try {
      // Heartbeats, then silence (the leader died): probes start after ~300 ms.
      for (let i = 0; i < 3; i++) {
        loops[0]!.notify({ type: "heartbeat", lastConsumerSequence: 0, lastStreamSequence: 0 });
        await sleep(80);
      }
      expect(probes).toBe(0);
      await sleep(700);
      expect(probes).toBeGreaterThan(1);
      expect(loops).toHaveLength(1);
      leaderAt = Date.now();
      while (loops.length < 2 && Date.now() - leaderAt < 2000) await sleep(10);
      // The new leader answered: a new pull loop at once, the old one closed, deliveries flow through it.
      expect(loops).toHaveLength(2);
      expect(Date.now() - leaderAt).toBeLessThan(1000);
      expect(loops[0]!.closed).toBe(true);
      loops[1]!.callback({ seq: 7 } as JsMsg);
      expect(got).toEqual(["7"]);
    } finally {
      await pull.close();
    }
    expect(loops[1]!.closed).toBe(true);
  });

  it("a loop that keeps hearing from the server (heartbeats or messages) is left alone", async () => {
    const loops: FakeLoop[] = [];
    let probes = 0;
    const target = {
      consumer: fakeConsumer(loops),
      name: "S/c",
      probe: async () => {
        probes++;
      },
    };
    const pull = await SupervisedPull.start(target, settings, () => undefined, silentLogger);
    try {
      for (let i = 0; i < 10; i++) {
        if (i % 2 === 0)
          loops[0]!.notify({ type: "heartbeat", lastConsumerSequence: 0, lastStreamSequence: 0 });
        else loops[0]!.callback({ seq: i } as JsMsg);
        await sleep(100);
      }
      expect(probes).toBe(0);
      expect(loops).toHaveLength(1);
    } finally {
      await pull.close();
    }
  });

  it("once closed, it stops probing", async () => {
    const loops: FakeLoop[] = [];
    let probes = 0;
    const target = {
      consumer: fakeConsumer(loops),
      name: "S/c",
      probe: async () => {
        probes++;
        throw new Error("timeout");
      },
    };
    const pull = await SupervisedPull.start(target, settings, () => undefined, silentLogger);
    await sleep(600);
    expect(probes).toBeGreaterThan(0);
    await pull.close();
    const after = probes;
    await sleep(600);
    expect(probes).toBe(after);
    expect(loops).toHaveLength(1);
  });
});
