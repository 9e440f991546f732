// The ZeroMQ transport's links under load: batching keeps order and loses nothing while a peer is
// connected, a peer that does not keep up is dropped (bounded memory) and served again later.
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Dealer } from "zeromq";
import { BatchWriter, RecordView, readBatch } from "../../../src/adapters/zeromq/frame-batch.js";
import { zeromqTransport } from "../../../src/adapters/zeromq/index.js";
import { TesseraError } from "../../../src/core/errors.js";
import type { Transport } from "../../../src/core/transport.js";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (data: Uint8Array) => new TextDecoder().decode(data);
const turn = () => new Promise((resolve) => setImmediate(resolve));
const opened: { close(): Promise<void> | void }[] = [];

async function open(t: Transport): Promise<Transport> {
  opened.push(t);
  await t.connect();
  return t;
}

afterEach(async () => {
  for (const t of opened.splice(0).reverse()) await t.close();
});

describe("zeromq links under load", () => {
  it("carries a burst of 30,000 publications each way in order, none lost", async () => {
    const endpoint = `127.0.0.1:${await freePort()}`;
    const a = await open(zeromqTransport({ bind: [endpoint] }));
    const b = await open(zeromqTransport({ connect: [endpoint] }));
    const atA: number[] = [];
    const atB: number[] = [];
    await a.subscribe("up.n", {}, (msg) => {
      atA.push(Number(dec(msg.data)));
    });
    await b.subscribe("down.n", {}, (msg) => {
      atB.push(Number(dec(msg.data)));
    });
    const n = 30_000;
    for (let i = 0; i < n; i++) {
      // No await per message: the transport batches what one turn publishes.
      void a.publish("down.n", enc(String(i)));
      void b.publish("up.n", enc(String(i)));
    }
    await vi.waitFor(() => expect([atA.length, atB.length]).toEqual([n, n]), { timeout: 15_000 });
    const expected = Array.from({ length: n }, (_, i) => i);
    expect(atA).toEqual(expected);
    expect(atB).toEqual(expected);
  });

  it("drops a peer that stops reading once maxQueuedBytes wait for it, keeps serving the others, and serves it again once it reads", async () => {
    const endpoint = `127.0.0.1:${await freePort()}`;
    const feed = await open(zeromqTransport({ bind: [endpoint], maxQueuedBytes: 1024 * 1024 }));
    const healthy = await open(zeromqTransport({ connect: [endpoint] }));
    const got: number[] = [];
    await healthy.subscribe("feed.tick", {}, (msg) => {
      got.push(msg.data.byteLength === 0 ? -1 : msg.data[0]! + 256 * msg.data[1]!);
    });

    // A peer speaking the link protocol by hand: it says hello with one subscription, beats, and
    // does not read (zeromq holds one message for it).
    const slow = new Dealer({ receiveHighWaterMark: 1, linger: 0 });
    opened.push({ close: () => slow.close() });
    slow.connect(`tcp://${endpoint}`);
    const say = (kind: string, fields: string[]) => {
      const w = new BatchWriter();
      w.add(kind, fields);
      return slow.send(w.take());
    };
    const interest = JSON.stringify([{ id: "slow-1", pattern: "feed.>", kind: "s" }]);
    await say("H", ["1", interest]);
    const beats = setInterval(() => void say("B", []), 200);
    opened.push({ close: () => clearInterval(beats) });
    await vi.waitFor(() => expect(feed.status().detail).toBe("2 of 2 peer links up"), { timeout: 5000 });

    // 16 KiB publications until the slow peer is dropped (zeromq's queues and the sockets' buffers
    // fill first, then 1 MiB waits in the feed's process).
    const payload = new Uint8Array(16 * 1024);
    let sent = 0;
    while (feed.status().detail !== "1 of 2 peer links up" && sent < 20_000) {
      payload[0] = sent % 256;
      payload[1] = Math.floor(sent / 256) % 256;
      await feed.publish("feed.tick", payload);
      sent++;
      if (sent % 16 === 0) await turn();
    }
    expect(feed.status().detail).toBe("1 of 2 peer links up");
    // The healthy peer got every publication, in order.
    await vi.waitFor(() => expect(got).toHaveLength(sent), { timeout: 10_000 });
    expect(got).toEqual(Array.from({ length: sent }, (_, i) => i % 65_536));

    // The slow peer reads again: after what it had been sent comes a hello asking for its own.
    const view = new RecordView();
    let asked = false;
    while (!asked) {
      const [batch] = await slow.receive();
      readBatch(batch!, view, (kind) => {
        if (kind === "H" && view.text(0) === "1") asked = true;
      });
    }
    await say("H", ["0", interest]);
    await vi.waitFor(() => expect(feed.status().detail).toBe("2 of 2 peer links up"), { timeout: 5000 });
    await feed.publish("feed.after", enc("again"));
    let again = "";
    while (again === "") {
      const [batch] = await slow.receive();
      readBatch(batch!, view, (kind) => {
        if (kind === "P" && view.text(0) === "feed.after") again = dec(view.copy(2));
      });
    }
    expect(again).toBe("again");
  });

  it("serves again a peer it forgot while silent (a peer forgotten after three silent beats was never sent to again)", async () => {
    const endpoint = `127.0.0.1:${await freePort()}`;
    // The listening side forgets a peer silent for 150 ms; the connecting one beats every second.
    const server = await open(zeromqTransport({ bind: [endpoint], beatMs: 50 }));
    const client = await open(zeromqTransport({ connect: [endpoint], beatMs: 1000 }));
    const got: string[] = [];
    await client.subscribe("news.>", {}, (msg) => {
      got.push(dec(msg.data));
    });
    await vi.waitFor(() => expect(server.status().detail).toBe("0 of 0 peer links up"), { timeout: 5000 });
    await expect
      .poll(
        async () => {
          await server.publish("news.x", enc("back"));
          return got.includes("back");
        },
        { timeout: 5000, interval: 20 },
      )
      .toBe(true);
  });

  it("listens on a port that was in use when the socket holding it lets go within a second", async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
    setTimeout(() => holder.close(), 300);
    await open(zeromqTransport({ bind: [`127.0.0.1:${port}`] }));
  });
});

describe("zeromq transport options", () => {
  it.each([
    [{ beatMs: 0 }, /zeromqTransport: beatMs is 0, expected a whole number ≥ 1/],
    [{ maxQueuedBytes: -1 }, /zeromqTransport: maxQueuedBytes is -1, expected a whole number ≥ 1/],
    [{ maxPayload: 1.5 }, /maxPayload is 1.5/],
    [{ helloTimeoutMs: "2s" }, /helloTimeoutMs is "2s", expected a whole number ≥ 0/],
    [{ bind: "127.0.0.1:7001" }, /bind is "127.0.0.1:7001", expected a list of host:port endpoints/],
    [{ connect: [7001] }, /connect is \[7001\], expected a list of host:port endpoints/],
  ])("refuses %j with TESSERA_CONFIG naming the option", (options, message) => {
    let caught: unknown;
    try {
      zeromqTransport(options as never);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TesseraError);
    expect((caught as TesseraError).code).toBe("TESSERA_CONFIG");
    expect((caught as TesseraError).message).toMatch(message);
  });
});
