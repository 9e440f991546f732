import { randomBytes } from "node:crypto";
import { TesseraError } from "../../core/errors.js";
import { checkOutgoing, replyWithinLimit } from "../../core/outgoing-checks.js";
import { isValidPattern, subjectMatches } from "../../core/subject-grammar.js";
import type {
  RequestOptions,
  Transport,
  TransportStatus,
  TransportSubscribeOptions,
} from "../../core/transport.js";
import type {
  Headers,
  TransportMessage,
  TransportSubscription,
  WireReply,
} from "../../core/transport-message.js";
import { errorReplyOf, noResponders } from "../../core/wire-reply.js";
import { zmqAddress } from "./endpoint.js";
import { decodeHeaders, decodeInterests, encodeHeaders, frameKind as F, own, text } from "./link-frames.js";
import {
  type LocalInterest,
  Receivers,
  type RespondHandler,
  type SubscribeHandler,
} from "./local-interests.js";
import type { PeerLink } from "./peer-link.js";
import { PeerSockets } from "./peer-sockets.js";

export interface ZeromqTransportOptions {
  /** Endpoints this transport listens on (`host:port`), where its peers connect. */
  readonly bind?: readonly string[];
  /** Endpoints of the peers it connects to (`host:port`). */
  readonly connect?: readonly string[];
  /** Largest payload in bytes (default 1 MiB, as NATS). */
  readonly maxPayload?: number;
  /** How long `close()` waits for in-flight replies (default 2000 ms). */
  readonly drainTimeoutMs?: number;
  /** How long `connect()` waits for each peer's hello before going on without it (default 2000 ms). */
  readonly helloTimeoutMs?: number;
  /** Beat interval on links (default 1000 ms); a peer silent for three beats is gone. */
  readonly beatMs?: number;
}

const ackTimeoutMs = 2000;

/**
 * A brokerless transport over direct ZeroMQ sockets. Each transport binds a ROUTER on its `bind`
 * endpoints and connects a DEALER to each `connect` endpoint; on every link the two sides tell each
 * other their subscriptions and responders, so a publication goes straight to the peers that
 * want it and a request to one responder, with NATS semantics (wildcards, queue groups, "no
 * responders", payload limit). Durable streams and the last-value store need a broker: this
 * transport has neither (`durable`, `lastValues` undefined).
 */
class ZeromqTransport implements Transport {
  readonly kind = "zeromq";
  readonly maxPayload: number;
  private readonly binds: string[];
  private readonly connects: string[];
  private readonly drainTimeoutMs: number;
  private readonly helloTimeoutMs: number;
  private readonly beatMs: number;
  private connected = false;
  private closing: Promise<void> | undefined;
  private sockets: PeerSockets | undefined;
  private readonly local = new Map<string, LocalInterest>();
  private readonly receivers: Receivers;
  private readonly localPending = new Set<(err: TesseraError) => void>();
  private readonly replying = new Set<Promise<void>>();
  private readonly acks = new Map<string, () => void>();
  private readonly prefix = randomBytes(6).toString("hex");
  private seq = 0;

  constructor(options: ZeromqTransportOptions) {
    this.binds = (options.bind ?? []).map(zmqAddress);
    this.connects = (options.connect ?? []).map(zmqAddress);
    this.maxPayload = options.maxPayload ?? 1024 * 1024;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 2000;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 2000;
    this.beatMs = options.beatMs ?? 1000;
    this.receivers = new Receivers(this.local, () => this.links());
  }

  private links(): Iterable<PeerLink> {
    return this.sockets?.links() ?? [];
  }

  private nextId(): string {
    return `${this.prefix}${(this.seq++).toString(36)}`;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    const sockets = new PeerSockets({
      binds: this.binds,
      connects: this.connects,
      beatMs: this.beatMs,
      maxPayload: this.maxPayload,
      prefix: this.prefix,
      onFrame: (link, kind, frames) => this.handle(link, kind, frames),
      helloFrame: () => this.interestsFrame(),
    });
    const opening = sockets.open(this.helloTimeoutMs);
    this.sockets = sockets;
    this.connected = true;
    try {
      await opening;
    } catch (err) {
      this.connected = false;
      this.sockets = undefined;
      await sockets.close(0, TesseraError.unavailable("transport closed"));
      throw err;
    }
  }

  private interestsFrame(): string {
    return JSON.stringify(
      [...this.local.values()].map(({ id, pattern, kind, queue }) => ({ id, pattern, kind, queue })),
    );
  }

  private handle(link: PeerLink, kind: string, f: Buffer[]): void {
    switch (kind) {
      case F.hello: {
        link.interests.clear();
        for (const i of decodeInterests(f[1])) link.interests.set(i.id, i);
        link.open = true;
        link.markUp();
        if (text(f[0]) === "1") link.send([F.hello, "0", this.interestsFrame()]);
        return;
      }
      case F.sub:
        for (const i of decodeInterests(f[1])) link.interests.set(i.id, i);
        link.send([F.ack, text(f[0])]);
        return;
      case F.unsub:
        link.interests.delete(text(f[1]));
        link.send([F.ack, text(f[0])]);
        return;
      case F.ack:
        this.acks.get(text(f[0]))?.();
        return;
      case F.request:
        this.serveRemote(link, text(f[0]), text(f[1]), decodeHeaders(f[2]), own(f[3]));
        return;
      case F.reply: {
        const id = text(f[0]);
        const p = link.pending.get(id);
        link.pending.delete(id);
        p?.resolve({ subject: p.subject, data: own(f[2]), headers: decodeHeaders(f[1]) });
        return;
      }
      case F.noResponder: {
        const id = text(f[0]);
        const p = link.pending.get(id);
        link.pending.delete(id);
        p?.fail(noResponders(p.subject));
        return;
      }
      case F.publish: {
        const subject = text(f[0]);
        const headers = decodeHeaders(f[1]);
        for (const id of text(f[3]).split(",")) {
          const interest = this.local.get(id);
          if (interest?.kind === "s")
            this.deliver(interest.handler as SubscribeHandler, subject, f[2], headers);
        }
        return;
      }
      case F.bye:
        link.interests.clear();
        return;
      default:
        return;
    }
  }

  private deliver(
    handler: SubscribeHandler,
    subject: string,
    data: Uint8Array | undefined,
    headers: Headers,
  ): void {
    const msg: TransportMessage = { subject, data: own(data), headers: { ...headers } };
    // A subscriber's failure is its own business: the transport goes on delivering.
    Promise.resolve()
      .then(() => handler(msg))
      .catch(() => undefined);
  }

  /** Runs a responder and sends its reply (or an error reply), tracked so that close() lets it finish. */
  private answer(handler: RespondHandler, msg: TransportMessage, send: (reply: WireReply) => void): void {
    const replying: Promise<void> = Promise.resolve()
      .then(() => handler(msg))
      .then((reply) => replyWithinLimit(reply, this.maxPayload))
      .catch(errorReplyOf)
      .then(send)
      .finally(() => this.replying.delete(replying));
    this.replying.add(replying);
  }

  private serveRemote(link: PeerLink, id: string, subject: string, headers: Headers, data: Uint8Array): void {
    const local = [...this.local.values()].filter(
      (i) => i.kind === "r" && subjectMatches(i.pattern, subject),
    );
    const chosen = local[this.seq++ % Math.max(1, local.length)];
    if (chosen === undefined || this.closing !== undefined) {
      link.send([F.noResponder, id]);
      return;
    }
    this.answer(chosen.handler as RespondHandler, { subject, data, headers }, (reply) => {
      link.send([F.reply, id, encodeHeaders(reply.headers), Buffer.from(reply.data)]);
    });
  }

  status(): TransportStatus {
    const links = [...this.links()];
    const up = links.filter((l) => l.up).length;
    return { connected: this.connected, detail: `${up} of ${links.length} peer links up` };
  }

  private check(subject: string, data: Uint8Array): void {
    checkOutgoing(
      { transport: "zeromq", connected: this.connected, maxPayload: this.maxPayload },
      subject,
      data,
    );
  }

  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<TransportMessage> {
    try {
      this.check(subject, data);
    } catch (err) {
      return Promise.reject(err);
    }
    const target = this.receivers.responder(subject);
    if (target === undefined) return Promise.reject(noResponders(subject));
    const headers = options.headers ?? {};
    return new Promise<TransportMessage>((resolve, reject) => {
      let settled = false;
      const id = this.nextId();
      const finish = (err: TesseraError | undefined, reply?: TransportMessage) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.localPending.delete(fail);
        target.link?.pending.delete(id);
        if (err) reject(err);
        else resolve(reply!);
      };
      const fail = (err: TesseraError) => finish(err);
      this.localPending.add(fail);
      const timer = setTimeout(
        () => finish(TesseraError.timeout(`no reply on ${subject} within ${options.timeoutMs} ms`)),
        Math.max(0, options.timeoutMs),
      );
      const link = target.link;
      if (link === undefined) {
        const msg: TransportMessage = { subject, data: data.slice(), headers: { ...headers } };
        const handler = (target.interest as LocalInterest).handler as RespondHandler;
        this.answer(handler, msg, (reply) => {
          if (this.connected)
            finish(undefined, { subject, data: reply.data.slice(), headers: { ...(reply.headers ?? {}) } });
        });
        return;
      }
      link.pending.set(id, { subject, resolve: (reply) => finish(undefined, reply), fail });
      link.send([F.request, id, subject, encodeHeaders(headers), Buffer.from(data)]);
    });
  }

  async publish(subject: string, data: Uint8Array, headers?: Headers): Promise<void> {
    this.check(subject, data);
    const byLink = new Map<PeerLink, string[]>();
    for (const { link, interest } of this.receivers.subscribers(subject)) {
      if (link === undefined) {
        this.deliver((interest as LocalInterest).handler as SubscribeHandler, subject, data, headers ?? {});
        continue;
      }
      const ids = byLink.get(link);
      if (ids === undefined) byLink.set(link, [interest.id]);
      else ids.push(interest.id);
    }
    if (byLink.size === 0) return;
    const h = encodeHeaders(headers);
    const copy = Buffer.from(data);
    for (const [link, ids] of byLink) link.send([F.publish, subject, h, copy, ids.join(",")]);
  }

  respond(
    subject: string,
    options: TransportSubscribeOptions,
    handler: RespondHandler,
  ): Promise<TransportSubscription> {
    return this.attach(subject, "r", options, handler);
  }

  subscribe(
    subject: string,
    options: TransportSubscribeOptions,
    handler: SubscribeHandler,
  ): Promise<TransportSubscription> {
    return this.attach(subject, "s", options, handler);
  }

  /** Sends a frame to every open link and waits (bounded) for each one's acknowledgement. */
  private async announce(frames: (ack: string) => (string | Uint8Array)[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const link of this.links()) {
      if (!link.open) continue;
      const ack = this.nextId();
      waits.push(
        new Promise<void>((resolve) => {
          const timer = setTimeout(done, ackTimeoutMs);
          function done() {
            clearTimeout(timer);
            resolve();
          }
          this.acks.set(ack, done);
        }).finally(() => this.acks.delete(ack)),
      );
      link.send(frames(ack));
    }
    await Promise.all(waits);
  }

  private async attach(
    pattern: string,
    kind: "s" | "r",
    options: TransportSubscribeOptions,
    handler: SubscribeHandler | RespondHandler,
  ): Promise<TransportSubscription> {
    if (!this.connected) throw TesseraError.unavailable("zeromq transport is not connected");
    if (!isValidPattern(pattern)) throw TesseraError.badRequest(`invalid subject pattern "${pattern}"`);
    const interest: LocalInterest = { id: this.nextId(), pattern, kind, queue: options.queue, handler };
    this.local.set(interest.id, interest);
    const wire = JSON.stringify({ id: interest.id, pattern, kind, queue: options.queue });
    await this.announce((ack) => [F.sub, ack, wire]);
    return {
      unsubscribe: async () => {
        if (!this.local.delete(interest.id)) return;
        if (this.connected) await this.announce((ack) => [F.unsub, ack, interest.id]);
      },
    };
  }

  close(): Promise<void> {
    if (!this.connected) return Promise.resolve();
    this.closing ??= this.shutdown().finally(() => {
      this.closing = undefined;
    });
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.local.clear();
    for (const link of this.links()) if (link.open) link.send([F.bye]);
    // The port promises that in-flight replies finish before the disconnection (bounded).
    if (this.replying.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(this.replying),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.drainTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.connected = false;
    // Pending requests fail last, on this turn, so that their callers (awaiting close) see them.
    const closed = TesseraError.unavailable("transport closed");
    await this.sockets?.close(500, closed);
    this.sockets = undefined;
    for (const fail of [...this.localPending]) fail(closed);
  }
}

/**
 * The brokerless transport: direct ZeroMQ sockets between the processes of a system, with no
 * server in between. A process that serves binds; a process that uses what another serves
 * connects to it (the addresses file says which, with `host:port` endpoints).
 *
 * @example
 * const feed = zeromqTransport({ bind: ["127.0.0.1:7001"] });
 * const trader = zeromqTransport({ connect: ["127.0.0.1:7001"] });
 */
export function zeromqTransport(options: ZeromqTransportOptions = {}): Transport {
  return new ZeromqTransport(options);
}
