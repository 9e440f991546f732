import { randomBytes } from "node:crypto";
import { Dealer, Router } from "zeromq";
import { TesseraError } from "../../core/errors.js";
import { frameKind as F, own, text } from "./link-frames.js";
import { PeerLink } from "./peer-link.js";
import { SendQueue } from "./send-queue.js";

export interface PeerSocketsOptions {
  /** zeromq addresses to bind a ROUTER on. */
  readonly binds: readonly string[];
  /** zeromq addresses to connect a DEALER to. */
  readonly connects: readonly string[];
  readonly beatMs: number;
  readonly maxPayload: number;
  readonly prefix: string;
  /** Every frame that arrives on a link. */
  onFrame(link: PeerLink, kind: string, frames: Buffer[]): void;
  /** This side's interests, sent in a hello. */
  helloFrame(): string;
}

/**
 * The sockets of a ZeroMQ transport and its links: a ROUTER bound on its endpoints (one inbound
 * link per peer, by routing id) and a DEALER per endpoint it connects to (one outbound link each).
 * A DEALER says hello on each ZMTP handshake (so a restarted peer learns its interests again) and
 * beats; a ROUTER forgets a peer silent for three beats, or one it cannot send to.
 */
export class PeerSockets {
  private router: Router | undefined;
  private routerQueue: SendQueue | undefined;
  private dealers: { dealer: Dealer; link: PeerLink }[] = [];
  private readonly inbound = new Map<string, PeerLink>();
  private timer: NodeJS.Timeout | undefined;

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
        maxMessageSize: this.o.maxPayload + 65_536,
        // A send never waits: a peer gone or too slow to take 100 000 queued messages is dropped.
        sendTimeout: 0,
        sendHighWaterMark: 100_000,
      });
      for (const address of this.o.binds) {
        try {
          await router.bind(address);
        } catch (cause) {
          router.close();
          throw TesseraError.unavailable(`cannot listen on ${address}: ${(cause as Error).message}`, {
            endpoint: address,
          });
        }
      }
      this.router = router;
      this.routerQueue = new SendQueue(router);
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

  private dial(address: string): { dealer: Dealer; link: PeerLink } {
    const dealer = new Dealer({
      routingId: `${this.o.prefix}${randomBytes(4).toString("hex")}`,
      linger: 200,
      heartbeatInterval: this.o.beatMs,
      heartbeatTimeout: this.o.beatMs * 3,
      reconnectInterval: 100,
      reconnectMaxInterval: 1000,
      maxMessageSize: this.o.maxPayload + 65_536,
      sendTimeout: 0,
      sendHighWaterMark: 100_000,
    });
    const link = new PeerLink(`out:${address}`, new SendQueue(dealer), undefined, () => undefined);
    dealer.events.on("handshake", () => {
      link.open = true;
      link.lastSeen = Date.now();
      link.send([F.hello, "1", this.o.helloFrame()]);
    });
    dealer.events.on("disconnect", () => {
      link.down(TesseraError.unavailable(`the peer at ${address} went away`, { endpoint: address }));
    });
    dealer.connect(address);
    void this.readDealer(dealer, link);
    return { dealer, link };
  }

  private async readRouter(router: Router): Promise<void> {
    try {
      for await (const [rid, kind, ...rest] of router) {
        if (rid === undefined) continue;
        const key = rid.toString("hex");
        let link = this.inbound.get(key);
        if (link === undefined) {
          if (text(kind) === F.bye) continue;
          link = new PeerLink(`in:${key}`, this.routerQueue!, own(rid), (l, err) =>
            this.dropInbound(l, key, err),
          );
          this.inbound.set(key, link);
        }
        link.lastSeen = Date.now();
        this.o.onFrame(link, text(kind), rest);
      }
    } catch {
      // The socket was closed.
    }
  }

  private async readDealer(dealer: Dealer, link: PeerLink): Promise<void> {
    try {
      for await (const [kind, ...rest] of dealer) {
        link.lastSeen = Date.now();
        this.o.onFrame(link, text(kind), rest);
      }
    } catch {
      // The socket was closed.
    }
  }

  private dropInbound(link: PeerLink, key: string, cause: unknown): void {
    if (this.inbound.get(key) !== link) return;
    this.inbound.delete(key);
    link.down(TesseraError.unavailable(`the peer ${link.name} went away`, { cause: String(cause) }));
  }

  /** Beats on outbound links; forgets inbound peers silent for three beats. */
  private beat(): void {
    for (const { link } of this.dealers) if (link.open) link.send([F.beat]);
    const limit = Date.now() - this.o.beatMs * 3;
    for (const [key, link] of this.inbound) if (link.lastSeen < limit) this.dropInbound(link, key, "silent");
  }

  /** Hands what is queued to zeromq (bounded by `flushMs`), closes the sockets, fails what waits on a link. */
  async close(flushMs: number, err: TesseraError): Promise<void> {
    clearInterval(this.timer);
    let flushTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([this.routerQueue?.flushed(), ...this.dealers.map(({ link }) => link.flushed())]),
      new Promise<void>((resolve) => {
        flushTimer = setTimeout(resolve, flushMs);
      }),
    ]);
    clearTimeout(flushTimer);
    for (const { dealer } of this.dealers) dealer.close();
    this.router?.close();
    for (const link of this.links()) link.down(err);
    this.dealers = [];
    this.inbound.clear();
    this.router = undefined;
    this.routerQueue = undefined;
  }
}
