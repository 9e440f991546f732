import { TesseraError } from "../../core/errors.js";
import {
  errorReplyOf,
  type Headers,
  type Reply,
  type RequestOptions,
  type SubscribeOptions,
  type Transport,
  type TransportMessage,
  type TransportStatus,
  type TransportSubscription,
} from "../../ports/transport.js";
import { type BusSubscriber, createMemoryBus, type MemoryBus } from "./memory-bus.js";
import { isValidPattern, isValidSubject } from "./subject-matcher.js";

export interface MemoryTransportOptions {
  /** Share a bus to let several nodes of one process talk (default: a private bus). */
  readonly bus?: MemoryBus;
  /** Largest payload in bytes (default 1 MiB, as NATS). */
  readonly maxPayload?: number;
}

const noHeaders: Headers = Object.freeze({});

/**
 * The in-process transport: the same semantics as NATS (subjects with wildcards, queue groups,
 * request/reply with "no responders", payload limit), delivered on the next turn of the event loop.
 * Payloads are copied, so a receiver never shares memory with the sender.
 */
class MemoryTransport implements Transport {
  readonly kind = "memory";
  readonly maxPayload: number;
  private readonly bus: MemoryBus;
  private connected = false;
  private readonly mine = new Set<BusSubscriber>();
  private readonly pending = new Set<(err: TesseraError) => void>();

  constructor(options: MemoryTransportOptions) {
    this.bus = options.bus ?? createMemoryBus();
    this.maxPayload = options.maxPayload ?? 1024 * 1024;
  }

  async connect(): Promise<void> {
    this.connected = true;
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    for (const sub of this.mine) this.bus.remove(sub);
    this.mine.clear();
    const closed = TesseraError.unavailable("transport closed");
    for (const fail of this.pending) fail(closed);
    this.pending.clear();
  }

  status(): TransportStatus {
    return { connected: this.connected };
  }

  private check(subject: string, data: Uint8Array): void {
    if (!this.connected) throw TesseraError.unavailable("memory transport is not connected");
    if (!isValidSubject(subject)) throw TesseraError.badRequest(`invalid subject "${subject}"`);
    if (data.byteLength > this.maxPayload) {
      throw new TesseraError(
        "TESSERA_PAYLOAD_TOO_LARGE",
        `payload of ${data.byteLength} bytes exceeds the transport limit of ${this.maxPayload}`,
        { details: { size: data.byteLength, limit: this.maxPayload } },
      );
    }
  }

  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<TransportMessage> {
    try {
      this.check(subject, data);
    } catch (err) {
      return Promise.reject(err);
    }
    const receivers = this.bus.receivers(subject);
    if (receivers.length === 0)
      return Promise.reject(TesseraError.unavailable(`no responders for ${subject}`));
    return new Promise<TransportMessage>((resolve, reject) => {
      let settled = false;
      const finish = (err: TesseraError | undefined, reply?: TransportMessage) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(fail);
        if (err) reject(err);
        else resolve(reply!);
      };
      const fail = (err: TesseraError) => finish(err);
      this.pending.add(fail);
      const timer = setTimeout(
        () => finish(TesseraError.timeout(`no reply on ${subject} within ${options.timeoutMs} ms`)),
        Math.max(0, options.timeoutMs),
      );
      const msg: TransportMessage = {
        subject,
        data: data.slice(),
        headers: { ...(options.headers ?? noHeaders) },
      };
      for (const r of receivers) setImmediate(() => r.deliver(msg, (reply) => finish(undefined, reply)));
    });
  }

  async respond(
    subject: string,
    options: SubscribeOptions,
    handler: (msg: TransportMessage) => Promise<Reply> | Reply,
  ): Promise<TransportSubscription> {
    return this.attach(subject, options, (msg, replyTo) => {
      if (replyTo === undefined) return;
      Promise.resolve()
        .then(() => handler(msg))
        .then((reply) => {
          if (reply.data.byteLength > this.maxPayload) {
            throw new TesseraError(
              "TESSERA_PAYLOAD_TOO_LARGE",
              `reply of ${reply.data.byteLength} bytes exceeds the transport limit`,
            );
          }
          return reply;
        })
        .catch(errorReplyOf)
        .then((reply) => {
          if (this.connected)
            replyTo({ subject, data: reply.data.slice(), headers: { ...(reply.headers ?? noHeaders) } });
        });
    });
  }

  async publish(subject: string, data: Uint8Array, headers?: Headers): Promise<void> {
    this.check(subject, data);
    const msg: TransportMessage = { subject, data: data.slice(), headers: { ...(headers ?? noHeaders) } };
    for (const r of this.bus.receivers(subject)) setImmediate(() => r.deliver(msg, undefined));
  }

  async subscribe(
    subject: string,
    options: SubscribeOptions,
    handler: (msg: TransportMessage) => void | Promise<void>,
  ): Promise<TransportSubscription> {
    return this.attach(subject, options, (msg) => {
      // A subscriber's failure is its own business: the bus goes on delivering.
      Promise.resolve()
        .then(() => handler(msg))
        .catch(() => undefined);
    });
  }

  private attach(
    pattern: string,
    options: SubscribeOptions,
    deliver: BusSubscriber["deliver"],
  ): TransportSubscription {
    if (!this.connected) throw TesseraError.unavailable("memory transport is not connected");
    if (!isValidPattern(pattern)) throw TesseraError.badRequest(`invalid subject pattern "${pattern}"`);
    const sub: BusSubscriber = { pattern, queue: options.queue, deliver };
    this.bus.add(sub);
    this.mine.add(sub);
    return {
      unsubscribe: async () => {
        this.bus.remove(sub);
        this.mine.delete(sub);
      },
    };
  }
}

/**
 * The in-memory transport, for one process (embedded mode and tests).
 *
 * @example
 * const bus = createMemoryBus();
 * const a = createNode({ services: [text], transport: memoryTransport({ bus }) });
 * const b = createNode({ services: [pipeline], transport: memoryTransport({ bus }) });
 */
export function memoryTransport(options: MemoryTransportOptions = {}): Transport {
  return new MemoryTransport(options);
}
