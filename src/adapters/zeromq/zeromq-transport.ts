import { randomBytes } from "node:crypto";
import { TesseraError } from "../../core/errors.js";
import { replyWithinLimit } from "../../core/outgoing-checks.js";
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
import { deliverLater, deliverNow } from "./deliver.js";
import { zmqAddress } from "./endpoint.js";
import { BatchWriter, type RecordView } from "./frame-batch.js";
import { decodeHeaders, decodeInterests, encodeHeaders, frameKind as F } from "./link-frames.js";
import {
  type LocalInterest,
  Receivers,
  type RespondHandler,
  type SubscribeHandler,
} from "./local-interests.js";
import { type CheckedOptions, checkedOptions, type ZeromqTransportOptions } from "./options.js";
import { OutgoingCheck } from "./outgoing-check.js";
import { linkStatuses, type PeerLink } from "./peer-link.js";
import { PeerSockets } from "./peer-sockets.js";

export type { ZeromqTransportOptions };

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
  private readonly o: CheckedOptions;
  private connected = false;
  private closing: Promise<void> | undefined;
  private sockets: PeerSockets | undefined;
  private readonly local = new Map<string, LocalInterest>();
  private readonly receivers: Receivers;
  private readonly localPending = new Set<(err: TesseraError) => void>();
  private readonly replying = new Set<Promise<void>>();
  private readonly acks = new Map<string, () => void>();
  private readonly prefix = randomBytes(6).toString("hex");
  /** A publication's frame but its last field (the receiver's ids), encoded once for every link. */
  private readonly shared = new BatchWriter();
  private readonly outgoing = new OutgoingCheck();
  private readonly statuses = linkStatuses(() => [...this.links()]);
  private seq = 0;

  constructor(options: ZeromqTransportOptions) {
    this.o = checkedOptions(options);
    this.binds = this.o.bind.map(zmqAddress);
    this.connects = this.o.connect.map(zmqAddress);
    this.maxPayload = this.o.maxPayload;
    this.receivers = new Receivers(this.local, () => this.links(), this.prefix);
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
      beatMs: this.o.beatMs,
      maxPayload: this.maxPayload,
      maxQueuedBytes: this.o.maxQueuedBytes,
      prefix: this.prefix,
      onFrame: (link, kind, frames) => this.handle(link, kind, frames),
      onLinkChange: () => this.receivers.changed(),
      helloFrame: () => this.interestsFrame(),
    });
    const opening = sockets.open(this.o.helloTimeoutMs);
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

  private handle(link: PeerLink, kind: string, f: RecordView): void {
    switch (kind) {
      case F.hello: {
        link.peer = f.text(2) === "" ? undefined : f.text(2);
        link.setInterests(decodeInterests(f.text(1)));
        link.open = true;
        link.markUp();
        if (f.text(0) === "1") link.send(F.hello, "0", this.interestsFrame(), this.prefix);
        return;
      }
      case F.sub:
        link.addInterests(decodeInterests(f.text(1)));
        link.send(F.ack, f.text(0));
        return;
      case F.unsub:
        link.removeInterest(f.text(1));
        link.send(F.ack, f.text(0));
        return;
      case F.ack:
        this.acks.get(f.text(0))?.();
        return;
      case F.request:
        this.serveRemote(link, f.text(0), f.text(1), decodeHeaders(f.text(2)), f.view(3));
        return;
      case F.reply: {
        const id = f.text(0);
        const p = link.pending.get(id);
        link.pending.delete(id);
        p?.resolve({ subject: p.subject, data: f.view(2), headers: decodeHeaders(f.text(1)) });
        return;
      }
      case F.noResponder: {
        const id = f.text(0);
        const p = link.pending.get(id);
        link.pending.delete(id);
        p?.fail(noResponders(p.subject));
        return;
      }
      case F.publish: {
        const ids = f.text(3);
        if (!ids.includes(",")) {
          const interest = this.local.get(ids);
          if (interest?.kind === "s") deliverNow(interest.handler as SubscribeHandler, f, f.view(2));
          return;
        }
        // The last subscriber takes the received bytes, each one before it a copy of its own (taken
        // before any of them runs with the received bytes).
        const all = ids.split(",");
        for (let i = 0; i < all.length; i++) {
          const interest = this.local.get(all[i]!);
          if (interest?.kind !== "s") continue;
          deliverNow(interest.handler as SubscribeHandler, f, i === all.length - 1 ? f.view(2) : f.copy(2));
        }
        return;
      }
      case F.bye:
        link.setInterests([]);
        return;
      default:
        return;
    }
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
      link.send(F.noResponder, id);
      return;
    }
    this.answer(chosen.handler as RespondHandler, { subject, data, headers }, (reply) => {
      link.send(F.reply, id, encodeHeaders(reply.headers), reply.data);
    });
  }

  /** Cheap enough to ask before every update (a state's owner does): no allocation, the detail is worked out when read. */
  status(): TransportStatus {
    return this.connected ? this.statuses.up : this.statuses.down;
  }

  private check(subject: string, data: Uint8Array): void {
    this.outgoing.check(
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
      link.send(F.request, id, subject, encodeHeaders(headers), data);
    });
  }

  /**
   * Sends to every plain subscriber and one member of each queue group: the bytes are copied into
   * each link's batch now (no await per message; the batch goes out on the next turn at the latest).
   */
  async publish(subject: string, data: Uint8Array, headers?: Headers): Promise<void> {
    this.check(subject, data);
    const { local, remote, groups } = this.receivers.fanout(subject);
    for (const i of local) deliverLater(i.handler as SubscribeHandler, subject, data, headers);
    if (groups.length === 0) {
      if (remote.length === 0) return;
      const shared = this.encodeShared(subject, data, headers);
      for (const { link, ids } of remote) link.sendPrefixed(shared, ids);
      return;
    }
    const byLink = new Map<PeerLink, string>();
    for (const { link, ids } of remote) byLink.set(link, ids);
    for (const members of groups) {
      const { link, interest } = this.receivers.pick(members);
      if (link === undefined) {
        deliverLater((interest as LocalInterest).handler as SubscribeHandler, subject, data, headers);
        continue;
      }
      const ids = byLink.get(link);
      byLink.set(link, ids === undefined ? interest.id : `${ids},${interest.id}`);
    }
    if (byLink.size === 0) return;
    const shared = this.encodeShared(subject, data, headers);
    for (const [link, ids] of byLink) link.sendPrefixed(shared, ids);
  }

  /** `P subject headers data`, the ids to come: encoded once, copied into each link's batch. */
  private encodeShared(subject: string, data: Uint8Array, headers: Headers | undefined): Uint8Array {
    this.shared.clear();
    this.shared.add(F.publish, [subject, encodeHeaders(headers), data], 1);
    return this.shared.written();
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
  private async announce(kind: string, field: string): Promise<void> {
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
      link.send(kind, ack, field);
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
    this.receivers.changed();
    const wire = JSON.stringify({ id: interest.id, pattern, kind, queue: options.queue });
    await this.announce(F.sub, wire);
    return {
      unsubscribe: async () => {
        if (!this.local.delete(interest.id)) return;
        this.receivers.changed();
        if (this.connected) await this.announce(F.unsub, interest.id);
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
    this.receivers.changed();
    for (const link of this.links()) if (link.open) link.send(F.bye);
    // The port promises that in-flight replies finish before the disconnection (bounded).
    if (this.replying.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(this.replying),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.o.drainTimeoutMs);
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
