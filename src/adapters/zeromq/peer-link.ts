import type { TesseraError } from "../../core/errors.js";
import type { TransportStatus } from "../../core/transport.js";
import type { TransportMessage } from "../../core/transport-message.js";
import type { Field } from "./frame-batch.js";
import type { Interest } from "./link-frames.js";
import type { SendQueue } from "./send-queue.js";

/** A request sent on a link and not yet answered. */
export interface PendingRequest {
  readonly subject: string;
  resolve(reply: TransportMessage): void;
  fail(err: TesseraError): void;
}

/**
 * One peer as a transport sees it: an outbound link (our DEALER connected to its ROUTER) or an
 * inbound one (its DEALER on our ROUTER, known by its routing id). Either way the same frames go
 * both ways, batched by the link's own send queue; what differs is how a batch is sent and how the
 * link's end is noticed.
 */
export class PeerLink {
  /** The peer's subscriptions and responders, by id: what it told us in its hello and since. */
  private readonly known = new Map<string, Interest>();
  /** Requests sent on this link, by id. */
  readonly pending = new Map<string, PendingRequest>();
  /** Frames may be sent (outbound: the ZMTP handshake is done; inbound: the peer said hello). */
  open: boolean;
  /** The peer's interests are known (its hello arrived). */
  up = false;
  /**
   * The peer transport's id, from its hello (`undefined` before it, or from a peer that sends
   * none): two processes that each bind and connect to the other have two links, and a peer is
   * served over one of them only.
   */
  peer: string | undefined;
  lastSeen = Date.now();
  private readyWaiters: (() => void)[] = [];

  constructor(
    /** `out:<endpoint>` or `in:<routing id>`, for logs and errors. */
    readonly name: string,
    /** Inbound links are open from their first frame; outbound ones once the handshake is done. */
    inbound: boolean,
    /** Called whenever the peer's interests or the link's state change (receivers cache by them). */
    private readonly onChange: () => void,
    /** Makes the link's send queue (a DEALER's, or a ROUTER's addressed to this peer). */
    queueFor: (link: PeerLink) => SendQueue,
  ) {
    this.open = inbound;
    this.queue = queueFor(this);
  }

  readonly queue: SendQueue;

  /** Queues one frame: its letter, then its fields (copied now, sent in order). */
  send(kind: string, ...fields: Field[]): void {
    this.queue.send(kind, fields);
  }

  /** Queues one frame made of a prefix that several links share and a last field. */
  sendPrefixed(prefix: Uint8Array, last: string): void {
    this.queue.sendPrefixed(prefix, last);
  }

  /** Resolves once the frames queued so far have been handed to zeromq. */
  flushed(): Promise<void> {
    return this.queue.flushed();
  }

  get interests(): ReadonlyMap<string, Interest> {
    return this.known;
  }

  /** The peer's interests are these (its hello). */
  setInterests(list: readonly Interest[]): void {
    this.known.clear();
    for (const i of list) this.known.set(i.id, i);
    this.onChange();
  }

  addInterests(list: readonly Interest[]): void {
    for (const i of list) this.known.set(i.id, i);
    this.onChange();
  }

  removeInterest(id: string): void {
    if (this.known.delete(id)) this.onChange();
  }

  markUp(): void {
    this.up = true;
    this.onChange();
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when the peer's hello has arrived. */
  ready(): Promise<void> {
    if (this.up) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** The peer is gone: forget its interests and fail what waits on it. */
  down(err: TesseraError): void {
    this.open = false;
    this.up = false;
    this.known.clear();
    this.onChange();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.fail(err);
  }
}

/** A transport's two statuses over its links, made once: the detail is worked out when read. */
export function linkStatuses(links: () => readonly PeerLink[]): {
  up: TransportStatus;
  down: TransportStatus;
} {
  const of = (connected: boolean): TransportStatus => ({
    connected,
    get detail() {
      const all = links();
      return `${all.filter((l) => l.up).length} of ${all.length} peer links up`;
    },
  });
  return { up: of(true), down: of(false) };
}
