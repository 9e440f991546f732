import type { DeadLetterStore } from "../../core/dead-letter-store.js";
import type { DurableStreams, LastValues } from "../../core/durable-streams.js";
import { TesseraError } from "../../core/errors.js";
import { checkOutgoing, replyWithinLimit } from "../../core/outgoing-checks.js";
import { isValidPattern, isValidSubject } from "../../core/subject-grammar.js";
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
import { type BusSubscriber, createMemoryBus, type MemoryBus } from "./memory-bus.js";
import { MemoryDeadLetters } from "./memory-dead-letters.js";
import { memoryLastValues } from "./memory-last-values.js";

export interface MemoryTransportOptions {
  /** Share a bus to let several nodes of one process talk (default: a private bus). */
  readonly bus?: MemoryBus;
  /** Largest payload in bytes (default 1 MiB, as NATS). */
  readonly maxPayload?: number;
  /** How long `close()` waits for in-flight replies (default 2000 ms). */
  readonly drainTimeoutMs?: number;
}

const noHeaders: Headers = Object.freeze({});

/** Each receiver gets its own bytes, taken at once: neither the sender nor another receiver can change them. */
function copyOf(subject: string, data: Uint8Array, headers: Headers | undefined): TransportMessage {
  return { subject, data: data.slice(), headers: { ...(headers ?? noHeaders) } };
}

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
  private closing: Promise<void> | undefined;
  private readonly mine = new Set<BusSubscriber>();
  private readonly pending = new Set<(err: TesseraError) => void>();
  private readonly replying = new Set<Promise<void>>();
  private readonly drainTimeoutMs: number;
  private readonly leaving = new Set<() => void>();

  constructor(options: MemoryTransportOptions) {
    this.bus = options.bus ?? createMemoryBus();
    this.maxPayload = options.maxPayload ?? 1024 * 1024;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 2000;
  }

  async connect(): Promise<void> {
    this.connected = true;
  }

  close(): Promise<void> {
    if (!this.connected) return Promise.resolve();
    this.closing ??= this.shutdown().finally(() => {
      this.closing = undefined;
    });
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const sub of this.mine) this.bus.remove(sub);
    this.mine.clear();
    for (const leave of this.leaving) leave();
    this.leaving.clear();
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
    const closed = TesseraError.unavailable("transport closed");
    for (const fail of this.pending) fail(closed);
    this.pending.clear();
  }

  status(): TransportStatus {
    return { connected: this.connected };
  }

  private check(subject: string, data: Uint8Array): void {
    checkOutgoing(
      { transport: "memory", connected: this.connected, maxPayload: this.maxPayload },
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
    const receivers = this.bus.receivers(subject);
    if (receivers.length === 0) return Promise.reject(noResponders(subject));
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
      for (const r of receivers) {
        const msg = copyOf(subject, data, options.headers);
        setImmediate(() => r.deliver(msg, (reply) => finish(undefined, reply)));
      }
    });
  }

  async respond(
    subject: string,
    options: TransportSubscribeOptions,
    handler: (msg: TransportMessage) => Promise<WireReply> | WireReply,
  ): Promise<TransportSubscription> {
    return this.attach(subject, options, (msg, replyTo) => {
      if (replyTo === undefined) return;
      const replying: Promise<void> = Promise.resolve()
        .then(() => handler(msg))
        .then((reply) => replyWithinLimit(reply, this.maxPayload))
        .catch(errorReplyOf)
        .then((reply) => {
          if (this.connected)
            replyTo({ subject, data: reply.data.slice(), headers: { ...(reply.headers ?? noHeaders) } });
        })
        .finally(() => this.replying.delete(replying));
      this.replying.add(replying);
    });
  }

  async publish(subject: string, data: Uint8Array, headers?: Headers): Promise<void> {
    this.check(subject, data);
    this.bus.fanOut(subject, data, headers);
  }

  /** Durable streams kept by the bus (in process): same semantics as the NATS adapter's JetStream. */
  readonly durable: DurableStreams = {
    publish: async (subject, data, options = {}) => {
      this.check(subject, data);
      return this.bus.streams.append(subject, data, options.headers ?? noHeaders, options.id);
    },
    consume: async (subject, options, handler) => {
      if (!this.connected) throw TesseraError.unavailable("memory transport is not connected");
      if (!isValidSubject(subject)) throw TesseraError.badRequest(`invalid subject "${subject}"`);
      const consumer = this.bus.streams.consumer(subject, options);
      const member = { handler };
      consumer.add(member);
      const leave = () => consumer.remove(member);
      this.leaving.add(leave);
      return {
        unsubscribe: async () => {
          this.leaving.delete(leave);
          leave();
        },
      };
    },
  };

  /** The dead letters of the bus's durable streams (in process), shared by its transports. */
  get deadLetters(): DeadLetterStore {
    return new MemoryDeadLetters(this.bus.streams);
  }

  /** The last-value store of the bus (in process), shared by its transports. */
  get lastValues(): LastValues {
    return memoryLastValues(this.bus);
  }

  async subscribe(
    subject: string,
    options: TransportSubscribeOptions,
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
    options: TransportSubscribeOptions,
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
