import { describe, expect, it, vi } from "vitest";
import { RecordView, readBatch } from "../../../src/adapters/zeromq/frame-batch.js";
import { SendQueue } from "../../../src/adapters/zeromq/send-queue.js";

const full = () => Object.assign(new Error("Resource temporarily unavailable"), { code: "EAGAIN" });

/** A socket stand-in: records what it takes; `refuse()` says whether to refuse the next batch as full. */
function fakeSocket(refuse: () => boolean = () => false) {
  const taken: Buffer[] = [];
  const send = vi.fn((batch: Buffer) => {
    if (refuse()) return Promise.reject(full());
    taken.push(batch);
    return Promise.resolve();
  });
  const numbers = () => {
    const out: number[] = [];
    const view = new RecordView();
    for (const b of taken) readBatch(b, view, () => out.push(Number(view.text(0))));
    return out;
  };
  return { send, taken, numbers };
}

const payload = "x".repeat(100);
const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

describe("a link's send queue", () => {
  it("hands a burst of small frames to zeromq in a few batches, in order", async () => {
    const socket = fakeSocket();
    const queue = new SendQueue({
      send: socket.send,
      onError: () => undefined,
      onOverflow: () => undefined,
      maxQueuedBytes: 1024 * 1024,
    });
    for (let i = 0; i < 10_000; i++) queue.send("P", [String(i), payload]);
    await queue.flushed();
    expect(socket.numbers()).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    // About 1.1 MB: whole batches of 64 KiB, not one native call per frame.
    expect(socket.send.mock.calls.length).toBeLessThanOrEqual(20);
  });

  it("sends a frame alone on the next turn of the event loop", async () => {
    const socket = fakeSocket();
    const queue = new SendQueue({
      send: socket.send,
      onError: () => undefined,
      onOverflow: () => undefined,
      maxQueuedBytes: 1024,
    });
    queue.send("B", []);
    expect(socket.send).not.toHaveBeenCalled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.send).toHaveBeenCalledTimes(1);
  });

  it("keeps the order when zeromq's queue to the peer is full: the refused batch goes first once it has room", async () => {
    let attempts = 0;
    let refusals = 0;
    // Every other one of the first 60 attempts refused: batches wait, new frames queue behind them.
    const socket = fakeSocket(() => {
      attempts++;
      if (attempts > 60 || attempts % 2 === 0) return false;
      refusals++;
      return true;
    });
    const overflow = vi.fn();
    const queue = new SendQueue({
      send: socket.send,
      onError: () => undefined,
      onOverflow: overflow,
      maxQueuedBytes: 64 * 1024 * 1024,
    });
    for (let i = 0; i < 5000; i++) {
      queue.send("P", [String(i), payload]);
      if (i % 250 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await waitFor(() => expect(socket.numbers()).toHaveLength(5000));
    expect(socket.numbers()).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(refusals).toBeGreaterThanOrEqual(5);
    expect(overflow).not.toHaveBeenCalled();
  });

  it("drops a peer that falls more than maxQueuedBytes behind, never holding more than that", async () => {
    const socket = fakeSocket(() => true);
    const overflows: number[] = [];
    const max = 256 * 1024;
    const queue = new SendQueue({
      send: socket.send,
      onError: () => undefined,
      onOverflow: (queued) => overflows.push(queued),
      maxQueuedBytes: max,
    });
    let most = 0;
    for (let i = 0; i < 20_000 && overflows.length === 0; i++) {
      queue.send("P", [String(i), payload]);
      most = Math.max(most, queue.queuedBytes);
      if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(overflows).toHaveLength(1);
    expect(overflows[0]).toBeGreaterThan(max);
    expect(most).toBeLessThan(max + 200);
    expect(queue.queuedBytes).toBe(0);
    expect(socket.taken).toHaveLength(0);
    queue.dispose();
  });

  it("keeps what onOverflow queues (the hello asking the peer back) even past a tiny maxQueuedBytes", async () => {
    const socket = fakeSocket(() => true);
    let overflows = 0;
    const queue: SendQueue = new SendQueue({
      send: socket.send,
      onError: () => undefined,
      onOverflow: () => {
        overflows++;
        queue.send("H", ["1", payload]);
      },
      maxQueuedBytes: 10,
    });
    queue.send("P", ["1", payload]);
    // Refused on the next turn: the peer's queue is full.
    await waitFor(() => expect(socket.send).toHaveBeenCalled());
    queue.send("P", ["2", payload]);
    expect(overflows).toBe(1);
    expect(queue.queuedBytes).toBeGreaterThan(100);
    queue.dispose();
  });

  it("does not count a producer's own burst against the peer while zeromq takes what it is given", async () => {
    const socket = fakeSocket();
    const overflow = vi.fn();
    const queue = new SendQueue({
      send: socket.send,
      onError: () => undefined,
      onOverflow: overflow,
      maxQueuedBytes: 4096,
    });
    for (let i = 0; i < 10_000; i++) queue.send("P", [String(i), payload]);
    await queue.flushed();
    expect(overflow).not.toHaveBeenCalled();
    expect(socket.numbers()).toHaveLength(10_000);
  });

  it("discards what waits and reports a send that fails otherwise (a peer gone)", async () => {
    const gone = Object.assign(new Error("Host unreachable"), { code: "EHOSTUNREACH" });
    const onError = vi.fn();
    const queue = new SendQueue({
      send: () => Promise.reject(gone),
      onError,
      onOverflow: () => undefined,
      maxQueuedBytes: 1024,
    });
    queue.send("P", ["1", payload]);
    await queue.flushed();
    expect(onError).toHaveBeenCalledWith(gone);
    expect(queue.queuedBytes).toBe(0);
  });
});
