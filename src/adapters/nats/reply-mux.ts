import { createInbox, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { type DeadlineWatch, deadlineTimer } from "../../core/deadline-timer.js";
import { TesseraError } from "../../core/errors.js";
import type { TransportMessage } from "../../core/transport-message.js";
import { noResponders, type WireSubject } from "../../core/wire-reply.js";
import { headersOf, isNoResponders } from "./nats-headers.js";

/** One call waiting for its reply. */
class PendingCall {
  watch: DeadlineWatch | undefined;
  constructor(
    readonly subject: string,
    readonly wire: WireSubject | undefined,
    readonly resolve: (msg: TransportMessage) => void,
    readonly reject: (err: TesseraError) => void,
  ) {}
}

/**
 * Request/reply without a subscription per call: one wildcard inbox subscription per connection
 * (`_INBOX.<random>.*`), a token per call and a map from token to the waiting call. nats.js's own
 * `request()` allocates an Error (for its stack) and a timer per call; here a call costs a map slot
 * and a slot on the shared deadline timer.
 */
export class ReplyMux {
  private readonly prefix = `${createInbox()}.`;
  private readonly pending = new Map<string, PendingCall>();
  private seq = 0;
  private sub: Subscription | undefined;

  /** Subscribes the inbox on `nc` (again after a new connection). */
  attach(nc: NatsConnection): void {
    this.sub = nc.subscribe(`${this.prefix}*`, {
      callback: (err, msg) => {
        if (err === null) this.settle(msg);
      },
    });
  }

  detach(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Registers a call to `subject` that gives up after `timeoutMs`; returns the reply subject to
   * publish with, and the promise of the reply. `wire` is where the request really goes (named
   * when nobody answers).
   */
  open(
    subject: string,
    timeoutMs: number,
    wire?: WireSubject,
  ): { readonly token: string; readonly reply: Promise<TransportMessage> } {
    this.seq = this.seq === Number.MAX_SAFE_INTEGER ? 1 : this.seq + 1;
    const token = this.seq.toString(36);
    const reply = new Promise<TransportMessage>((resolve, reject) => {
      const call = new PendingCall(subject, wire, resolve, reject);
      call.watch = deadlineTimer.watch(Date.now() + timeoutMs, () => {
        if (this.pending.get(token) !== call) return;
        this.pending.delete(token);
        reject(TesseraError.timeout(`no reply on ${subject} within ${timeoutMs} ms`));
      });
      this.pending.set(token, call);
    });
    return { token, reply };
  }

  /** The subject a responder answers a call on. */
  replySubject(token: string): string {
    return this.prefix + token;
  }

  /** Fails one call (e.g. its request could not be sent). */
  fail(token: string, err: TesseraError): void {
    const call = this.pending.get(token);
    if (call === undefined) return;
    this.pending.delete(token);
    if (call.watch !== undefined) deadlineTimer.cancel(call.watch);
    call.reject(err);
  }

  /** Fails every waiting call (connection lost or closed). */
  failAll(err: TesseraError): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) {
      if (call.watch !== undefined) deadlineTimer.cancel(call.watch);
      call.reject(err);
    }
  }

  private settle(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const call = this.pending.get(token);
    // A reply after its deadline, or to a call failed by a disconnection: nobody waits for it.
    if (call === undefined) return;
    this.pending.delete(token);
    if (call.watch !== undefined) deadlineTimer.cancel(call.watch);
    if (isNoResponders(msg)) {
      call.reject(noResponders(call.subject, call.wire));
      return;
    }
    call.resolve({ subject: call.subject, data: msg.data, headers: headersOf(msg) });
  }
}
