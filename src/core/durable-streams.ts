import type { Headers, TransportMessage, TransportSubscription } from "./transport-message.js";

/**
 * The latest value of each key, kept by the medium so that any process on it can read it, e.g. a
 * replicated state's snapshot and number, read by a restarted owner or a holder while the owner
 * is down. Keys are dot-separated tokens without wildcards (`state.quotes`).
 */
export interface LastValues {
  /** Stores `data` as the value of `key`, replacing the previous one; resolves once stored. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** The latest value of `key`, or `undefined` when it has none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Forgets `key` (nothing happens when it has no value). */
  delete(key: string): Promise<void>;
  /**
   * The latest value of `key` with its revision (a number that grows with every put of the key),
   * or `undefined` when it has none. With {@link putIf}, a compare-and-set: e.g. one owner per
   * replicated state, a stale one fenced off.
   */
  entry?(key: string): Promise<LastValueEntry | undefined>;
  /**
   * Stores `data` only if the key's revision is still `revision` (0: the key has no value):
   * resolves the new revision, or `undefined` when another put came first (nothing stored).
   */
  putIf?(key: string, data: Uint8Array, revision: number): Promise<number | undefined>;
}

/** A stored value and its revision. */
export interface LastValueEntry {
  readonly data: Uint8Array;
  readonly revision: number;
}

/** A message of a durable stream. */
export interface DurableMessage extends TransportMessage {
  /** 1 on the first delivery, 2 on the first redelivery… */
  readonly deliveries: number;
  /** The publisher's message id, when it gave one. */
  readonly id: string | undefined;
}

export interface DurablePublishOptions {
  readonly headers?: Headers;
  /** Deduplication key: another publication with the same id within the window is dropped. */
  readonly id?: string;
}

export interface DurablePublishResult {
  /** True when a message with the same id was already stored (nothing was added). */
  readonly duplicate: boolean;
}

export interface DurableConsumerOptions {
  /**
   * The durable name. Subscriptions of the same name share the messages (each goes to one of them)
   * and its position survives restarts: what is published while none runs waits for the next.
   */
  readonly consumer: string;
  /** Deliveries of a message before it is dead-lettered (default 5). */
  readonly maxDeliveries?: number;
  /** Delay before each redelivery in ms; the last value repeats (default `[100, 1000, 5000]`). */
  readonly backoffMs?: readonly number[];
  /** Subject that receives a message after its last failed delivery (stored durably too). */
  readonly deadLetter?: string;
  /** How long a delivery may stay unacknowledged before it is delivered again (default 30 000 ms). */
  readonly ackWaitMs?: number;
}

/** What a durable handler may throw to dead-letter a message at once (e.g. a payload that can never be valid). */
export class PoisonMessage extends Error {
  override readonly name = "PoisonMessage";
}

/** Headers added to a dead letter. */
export const deadLetterHeaders = {
  subject: "tessera-dlq-subject",
  consumer: "tessera-dlq-consumer",
  deliveries: "tessera-dlq-deliveries",
  error: "tessera-dlq-error",
  /** The message's event id ({@link eventIdOf}), when it has one. */
  id: "tessera-dlq-id",
} as const;

/**
 * Header of a message published again under another publication id (a dead letter replayed): the
 * id it was first published with, which consumers' inboxes know it by.
 */
export const eventIdHeader = "tessera-event-id";

/** The id a message is known by: its `tessera-event-id` header, else its publication id. */
export function eventIdOf(msg: {
  readonly headers: Headers;
  readonly id: string | undefined;
}): string | undefined {
  return msg.headers[eventIdHeader] ?? msg.id;
}

/**
 * The durable capability of a transport: streams of messages kept by the medium, consumed with
 * acknowledgements. A handler that resolves acknowledges its message; one that throws has it
 * delivered again after the backoff; after `maxDeliveries` failed deliveries (or a thrown
 * {@link PoisonMessage}) the message goes to the dead-letter subject, with
 * {@link deadLetterHeaders}, and is acknowledged.
 */
export interface DurableStreams {
  /** Stores a message; resolves once the medium has stored it. */
  publish(subject: string, data: Uint8Array, options?: DurablePublishOptions): Promise<DurablePublishResult>;
  /** Consumes the messages of `subject` under a durable name. */
  consume(
    subject: string,
    options: DurableConsumerOptions,
    handler: (msg: DurableMessage) => Promise<void>,
  ): Promise<TransportSubscription>;
}
