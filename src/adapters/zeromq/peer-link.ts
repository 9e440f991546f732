import type { TesseraError } from "../../core/errors.js";
import type { TransportMessage } from "../../core/transport-message.js";
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
 * both ways; what differs is how they are sent and how the link's end is noticed.
 */
export class PeerLink {
  /** The peer's subscriptions and responders, by id: what it told us in its hello and since. */
  readonly interests = new Map<string, Interest>();
  /** Requests sent on this link, by id. */
  readonly pending = new Map<string, PendingRequest>();
  /** Frames may be sent (outbound: the ZMTP handshake is done; inbound: the peer said hello). */
  open: boolean;
  /** The peer's interests are known (its hello arrived). */
  up = false;
  lastSeen = Date.now();
  private readyWaiters: (() => void)[] = [];

  constructor(
    /** `out:<endpoint>` or `in:<routing id>`, for logs and errors. */
    readonly name: string,
    private readonly queue: SendQueue,
    /** The routing id to prefix on a ROUTER, none on a DEALER. */
    private readonly routingId: Uint8Array | undefined,
    private readonly onSendError: (link: PeerLink, err: unknown) => void,
  ) {
    this.open = routingId !== undefined;
  }

  send(frames: (Uint8Array | string)[]): void {
    const all = this.routingId === undefined ? frames : [this.routingId, ...frames];
    this.queue.send(all, (err) => this.onSendError(this, err));
  }

  /** Resolves once the frames queued so far have been handed to zeromq. */
  flushed(): Promise<void> {
    return this.queue.flushed();
  }

  markUp(): void {
    this.up = true;
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
    this.interests.clear();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.fail(err);
  }
}
