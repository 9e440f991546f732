import {
  type DurableConsumerOptions,
  type DurableMessage,
  type DurablePublishResult,
  deadLetterHeaders,
  eventIdOf,
  PoisonMessage,
} from "../../core/durable-streams.js";
import { subjectMatches } from "../../core/subject-grammar.js";
import type { Headers } from "../../core/transport-message.js";

export interface Stored {
  readonly seq: number;
  /** When it was stored (ms). */
  readonly at: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers;
  readonly id: string | undefined;
}

/** A handler attached to a consumer (one per live subscription of that durable name). */
export interface ConsumerMember {
  readonly handler: (msg: DurableMessage) => Promise<void>;
}

const defaultBackoff = [100, 1000, 5000] as const;

/** The dead letter's header naming the message's event id, when it has one. */
function idHeader(m: Stored): Headers {
  const id = eventIdOf(m);
  return id === undefined ? {} : { [deadLetterHeaders.id]: id };
}

function reasonOf(err: unknown): string {
  if (err instanceof Error && "code" in err) return `${String(err.code)}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A durable consumer: a position in the log shared by its members, the deliveries in flight and
 * those waiting for their redelivery. It outlives its members, as a JetStream durable does.
 */
class MemoryConsumer {
  private cursor = 0;
  private readonly members: ConsumerMember[] = [];
  private turn = 0;
  private readonly deliveries = new Map<number, number>();
  private readonly ready: Stored[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly streams: MemoryStreams,
    readonly subject: string,
    private options: DurableConsumerOptions,
  ) {}

  configure(options: DurableConsumerOptions): void {
    this.options = options;
  }

  add(member: ConsumerMember): void {
    this.members.push(member);
    this.wake();
  }

  remove(member: ConsumerMember): void {
    const i = this.members.indexOf(member);
    if (i !== -1) this.members.splice(i, 1);
  }

  /** Delivers on a later turn of the event loop, as the memory transport always does. */
  wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private next(): Stored | undefined {
    const again = this.ready.shift();
    if (again !== undefined) return again;
    const log = this.streams.log;
    while (this.cursor < log.length) {
      const m = log[this.cursor++]!;
      if (subjectMatches(this.subject, m.subject)) return m;
    }
    return undefined;
  }

  private pump(): void {
    while (this.members.length > 0 && this.inFlight < this.streams.maxInFlight) {
      const m = this.next();
      if (m === undefined) return;
      const member = this.members[this.turn++ % this.members.length]!;
      const n = (this.deliveries.get(m.seq) ?? 0) + 1;
      this.deliveries.set(m.seq, n);
      this.inFlight++;
      const msg: DurableMessage = {
        subject: m.subject,
        data: m.data.slice(),
        headers: { ...m.headers },
        deliveries: n,
        id: m.id,
      };
      Promise.resolve()
        .then(() => member.handler(msg))
        .then(
          () => this.done(m),
          (err: unknown) => this.failed(m, n, err),
        );
    }
  }

  private done(m: Stored): void {
    this.inFlight--;
    this.deliveries.delete(m.seq);
    this.wake();
  }

  private failed(m: Stored, n: number, err: unknown): void {
    const max = Math.max(1, this.options.maxDeliveries ?? 5);
    if (err instanceof PoisonMessage || n >= max) {
      const to = this.options.deadLetter;
      if (to !== undefined) {
        this.streams.append(to, m.data, {
          ...m.headers,
          [deadLetterHeaders.subject]: m.subject,
          [deadLetterHeaders.consumer]: this.options.consumer,
          [deadLetterHeaders.deliveries]: String(n),
          [deadLetterHeaders.error]: reasonOf(err).slice(0, 500),
          ...idHeader(m),
        });
      }
      this.done(m);
      return;
    }
    const backoff = this.options.backoffMs?.length ? this.options.backoffMs : defaultBackoff;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.inFlight--;
        this.ready.push(m);
        this.wake();
      },
      backoff[Math.min(n - 1, backoff.length - 1)],
    );
    timer.unref();
    this.timers.add(timer);
  }
}

/**
 * The durable streams of a memory bus: one log, deduplication by message id within a window, and
 * durable consumers by name. They live as long as the bus, so a node that stops and starts again
 * on the same bus finds what was published meanwhile.
 */
export class MemoryStreams {
  readonly log: Stored[] = [];
  readonly maxInFlight = 64;
  /** Messages removed from the dead letters (the log itself stays: consumers' positions index it). */
  readonly removed = new Set<number>();
  private seq = 0;
  private readonly ids = new Map<string, number>();
  private readonly consumers = new Map<string, MemoryConsumer>();

  constructor(
    /** Core subscribers see durable messages too, as on NATS. */
    private readonly fanOut: (subject: string, data: Uint8Array, headers: Headers) => void,
    private readonly duplicateWindowMs = 120_000,
  ) {}

  append(subject: string, data: Uint8Array, headers: Headers, id?: string): DurablePublishResult {
    const now = Date.now();
    if (id !== undefined) {
      const seen = this.ids.get(id);
      if (seen !== undefined && now - seen < this.duplicateWindowMs) return { duplicate: true };
      this.ids.set(id, now);
      if (this.ids.size > 100_000) this.forgetOld(now);
    }
    const stored: Stored = {
      seq: ++this.seq,
      at: now,
      subject,
      data: data.slice(),
      headers: { ...headers },
      id,
    };
    this.log.push(stored);
    for (const c of this.consumers.values()) if (subjectMatches(c.subject, subject)) c.wake();
    this.fanOut(subject, data, headers);
    return { duplicate: false };
  }

  private forgetOld(now: number): void {
    for (const [id, at] of this.ids) if (now - at >= this.duplicateWindowMs) this.ids.delete(id);
  }

  /** The consumer of that durable name, created on first use; its latest options win. */
  consumer(subject: string, options: DurableConsumerOptions): MemoryConsumer {
    let c = this.consumers.get(options.consumer);
    if (c === undefined || c.subject !== subject) {
      c = new MemoryConsumer(this, subject, options);
      this.consumers.set(options.consumer, c);
    } else c.configure(options);
    return c;
  }
}
