import { randomBytes } from "node:crypto";
import { Dealer, Router } from "zeromq";
import { TesseraError } from "../../core/errors.js";
import { batchBytes, RecordView, readBatch } from "./frame-batch.js";
import { frameKind as F, own } from "./link-frames.js";
import { PeerLink } from "./peer-link.js";
import { SendQueue } from "./send-queue.js";

export interface PeerSocketsOptions {
  /** zeromq addresses to bind a ROUTER on. */
  readonly binds: readonly string[];
  /** zeromq addresses to connect a DEALER to. */
  readonly connects: readonly string[];
  readonly beatMs: number;
  readonly maxPayload: number;
  /** Bytes that may wait in this process for one peer that does not keep up. */
  readonly maxQueuedBytes: number;
  readonly prefix: string;
  /** Every frame that arrives on a link (`fields` is valid during the call only). */
  onFrame(link: PeerLink, kind: string, fields: RecordView): void;
  /** A link's peer, its interests or its state changed. */
  onLinkChange(): void;
  /** This side's interests, sent in a hello. */
  helloFrame(): string;
}

/**
 * Messages zeromq may hold per peer in each direction: batches of up to 64 KiB (or one larger
 * frame). Past this, frames wait in the send queue, bounded by `maxQueuedBytes`.
 */
const highWaterMark = 100;

/** How long a bind waits for a port in use to be let go (zeromq closes a listener asynchronously). */
const bindRetryMs = 1000;

/**
 * Binds, retrying for up to `bindRetryMs` while the port is in use: a transport closed a moment
 * ago (in this process or one that just exited) may not have let it go yet.
 */
async function bindSoon(router: Router, address: string): Promise<void> {
  const until = Date.now() + bindRetryMs;
  for (;;) {
    try {
      await router.bind(address);
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== "EADDRINUSE" || Date.now() >= until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * The sockets of a ZeroMQ transport and its links: a ROUTER bound on its endpoints (one inbound
 * link per peer, by routing id) and a DEALER per endpoint it connects to (one outbound link each).
 * Every ZeroMQ message carries a batch of link frames (`frame-batch.ts`). A DEALER says hello on
 * each ZMTP handshake (so a restarted peer learns its interests again) and beats; a ROUTER forgets
 * a peer silent for three beats, or one it cannot send to, and asks a peer it does not know (or
 * no longer knows) for a hello when it hears from it. A peer that falls `maxQueuedBytes` behind
 * is dropped: what waited for it is discarded, and it is asked for a hello again (served again once
 * it answers).
 */
export class PeerSockets {
  private router: Router | undefined;
  private dealers: { dealer: Dealer; link: PeerLink }[] = [];
  private readonly inbound = new Map<string, PeerLink>();
  private timer: NodeJS.Timeout | undefined;
  private readonly view = new RecordView();

  constructor(private readonly o: PeerSocketsOptions) {}

  *links(): Iterable<PeerLink> {
    for (const { link } of this.dealers) yield link;
    yield* this.inbound.values();
  }

  /** Binds and dials; resolves once every outbound peer said hello, or after `helloTimeoutMs`. */
  async open(helloTimeoutMs: number): Promise<void> {
    if (this.o.binds.length > 0) {
      const router = new Router({
        mandatory: true,
        linger: 200,
        maxMessageSize: this.o.maxPayload + 65_536 + batchBytes,
        // A send never waits: a full queue to a peer is EAGAIN, and the send queue waits instead.
        sendTimeout: 0,
        sendHighWaterMark: highWaterMark,
        receiveHighWaterMark: highWaterMark,
      });
      for (const address of this.o.binds) {
        try {
          await bindSoon(router, address);
        } catch (cause) {
          router.close();
          throw TesseraError.unavailable(`cannot listen on ${address}: ${(cause as Error).message}`, {
            endpoint: address,
          });
        }
      }
      this.router = router;
      void this.readRouter(router);
    }
    for (const address of this.o.connects) this.dealers.push(this.dial(address));
    this.timer = setInterval(() => this.beat(), this.o.beatMs);
    this.timer.unref();
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.dealers.map(({ link }) => link.ready())),
      new Promise((resolve) => {
        timeout = setTimeout(resolve, helloTimeoutMs);
      }),
    ]);
    clearTimeout(timeout);
  }

  private hello(link: PeerLink): void {
    link.send(F.hello, "1", this.o.helloFrame(), this.o.prefix);
  }

  /** The peer fell too far behind: it is dropped, and asked for a hello (once it takes frames again). */
  private overflowed(link: PeerLink, queued: number): void {
    link.down(
      TesseraError.unavailable(
        `the peer ${link.name} fell behind: ${queued} bytes waited for it (maxQueuedBytes ${this.o.maxQueuedBytes})`,
      ),
    );
    this.hello(link);
  }

  private dial(address: string): { dealer: Dealer; link: PeerLink } {
    const dealer = new Dealer({
      routingId: `${this.o.prefix}${randomBytes(4).toString("hex")}`,
      linger: 200,
      heartbeatInterval: this.o.beatMs,
      heartbeatTimeout: this.o.beatMs * 3,
      reconnectInterval: 100,
      reconnectMaxInterval: 1000,
      maxMessageSize: this.o.maxPayload + 65_536 + batchBytes,
      sendTimeout: 0,
      sendHighWaterMark: highWaterMark,
      receiveHighWaterMark: highWaterMark,
    });
    const link = new PeerLink(
      `out:${address}`,
      false,
      this.o.onLinkChange,
      (l) =>
        new SendQueue({
          send: (batch) => dealer.send(batch),
          onError: () => undefined,
          onOverflow: (queued) => this.overflowed(l, queued),
          maxQueuedBytes: this.o.maxQueuedBytes,
        }),
    );
    dealer.events.on("handshake", () => {
      link.open = true;
      link.lastSeen = Date.now();
      this.hello(link);
    });
    dealer.events.on("disconnect", () => {
      // What waited was for the peer that went away (a restarted one gets a hello first).
      link.queue.clear();
      link.down(TesseraError.unavailable(`the peer at ${address} went away`, { endpoint: address }));
    });
    dealer.connect(address);
    void this.readDealer(dealer, link);
    return { dealer, link };
  }

  private inboundLink(router: Router, key: string, rid: Buffer): PeerLink {
    const routingId = own(rid);
    return new PeerLink(
      `in:${key}`,
      true,
      this.o.onLinkChange,
      (l) =>
        new SendQueue({
          send: (batch) => router.send([routingId, batch]),
          onError: (err) => this.dropInbound(l, key, err),
          onOverflow: (queued) => this.overflowed(l, queued),
          maxQueuedBytes: this.o.maxQueuedBytes,
        }),
    );
  }

  private async readRouter(router: Router): Promise<void> {
    try {
      for await (const [rid, batch] of router) {
        if (rid === undefined || batch === undefined) continue;
        const key = rid.toString("hex");
        let link = this.inbound.get(key);
        readBatch(batch, this.view, (kind) => {
          if (link === undefined) {
            if (kind === F.bye) return;
            link = this.inboundLink(router, key, rid);
            this.inbound.set(key, link);
            // A peer heard from before its hello (it was forgotten while silent): ask for one.
            if (kind !== F.hello) this.hello(link);
          }
          link.lastSeen = Date.now();
          this.frame(link, kind);
        });
      }
    } catch {
      // The socket was closed.
    }
  }

  private async readDealer(dealer: Dealer, link: PeerLink): Promise<void> {
    try {
      for await (const [batch] of dealer) {
        if (batch === undefined) continue;
        link.lastSeen = Date.now();
        readBatch(batch, this.view, (kind) => this.frame(link, kind));
      }
    } catch {
      // The socket was closed.
    }
  }

  /** One frame to the transport; a frame it cannot handle does not stop the reading. */
  private frame(link: PeerLink, kind: string): void {
    try {
      this.o.onFrame(link, kind, this.view);
    } catch {
      // A malformed frame from a peer: left out.
    }
  }

  private dropInbound(link: PeerLink, key: string, cause: unknown): void {
    if (this.inbound.get(key) !== link) return;
    this.inbound.delete(key);
    link.queue.dispose();
    link.down(TesseraError.unavailable(`the peer ${link.name} went away`, { cause: String(cause) }));
  }

  /** Beats on outbound links; forgets inbound peers silent for three beats. */
  private beat(): void {
    for (const { link } of this.dealers) if (link.open) link.send(F.beat);
    const limit = Date.now() - this.o.beatMs * 3;
    for (const [key, link] of this.inbound) if (link.lastSeen < limit) this.dropInbound(link, key, "silent");
  }

  /** Hands what is queued to zeromq (bounded by `flushMs`), closes the sockets, fails what waits on a link. */
  async close(flushMs: number, err: TesseraError): Promise<void> {
    clearInterval(this.timer);
    let flushTimer: NodeJS.Timeout | undefined;
    const links = [...this.links()];
    await Promise.race([
      Promise.allSettled(links.map((link) => link.flushed())),
      new Promise<void>((resolve) => {
        flushTimer = setTimeout(resolve, flushMs);
      }),
    ]);
    clearTimeout(flushTimer);
    for (const link of links) link.queue.dispose();
    for (const { dealer } of this.dealers) dealer.close();
    this.router?.close();
    for (const link of links) link.down(err);
    this.dealers = [];
    this.inbound.clear();
    this.router = undefined;
  }
}
