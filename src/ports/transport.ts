import { TesseraError } from "../core/errors.js";
import { utf8 } from "../core/utf8.js";

/**
 * The messaging port. Features speak to the bus only through this interface; adapters (memory,
 * NATS) implement it and pass the shared contract suite (`test/contract/transport-contract.ts`).
 *
 * Subjects are dot-separated tokens; subscriptions may use `*` (one token) and `>` (the rest).
 */

/** Headers travel beside the payload; names are lower-case. */
export type Headers = Readonly<Record<string, string>>;

export interface TransportMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers;
}

/** A reply to a request. */
export interface Reply {
  readonly data: Uint8Array;
  readonly headers?: Headers;
}

export interface RequestOptions {
  /** Give up after this many ms with `TESSERA_TIMEOUT`. */
  readonly timeoutMs: number;
  readonly headers?: Headers;
}

export interface SubscribeOptions {
  /** Members of the same queue group share the messages: each message reaches one of them. */
  readonly queue?: string;
}

export interface TransportSubscription {
  unsubscribe(): Promise<void>;
}

export interface TransportStatus {
  readonly connected: boolean;
  readonly detail?: string;
}

export interface Transport {
  /** A short name for logs and `/ready` (`memory`, `nats`). */
  readonly kind: string;
  /** Largest payload in bytes; a bigger one fails with `TESSERA_PAYLOAD_TOO_LARGE`. */
  readonly maxPayload: number;
  connect(): Promise<void>;
  /** Stops subscriptions, lets in-flight replies finish, then disconnects. Pending requests fail with `TESSERA_UNAVAILABLE`. */
  close(): Promise<void>;
  /**
   * Sends a request to one responder of `subject` and waits for its reply. Fails fast with
   * `TESSERA_UNAVAILABLE` when nobody serves the subject, with `TESSERA_TIMEOUT` past `timeoutMs`.
   */
  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<TransportMessage>;
  /** Serves requests on `subject`; the handler's reply (or a thrown error, as an internal error reply) goes back. */
  respond(
    subject: string,
    options: SubscribeOptions,
    handler: (msg: TransportMessage) => Promise<Reply> | Reply,
  ): Promise<TransportSubscription>;
  /** Fire-and-forget publication; resolves when the transport has taken the message. */
  publish(subject: string, data: Uint8Array, headers?: Headers): Promise<void>;
  /** Receives publications. A handler that throws is the caller's problem: the transport keeps delivering. */
  subscribe(
    subject: string,
    options: SubscribeOptions,
    handler: (msg: TransportMessage) => void | Promise<void>,
  ): Promise<TransportSubscription>;
  status(): TransportStatus;
  /**
   * Durable streams (at-least-once, acknowledged, redelivered), when the adapter has them: the
   * memory adapter keeps them in process, the NATS adapter on JetStream. Optional, so that a
   * transport without persistence still fits the port.
   */
  readonly durable?: DurableStreams | undefined;
  /**
   * A last-value store kept by the medium (a JetStream stream with one message per subject on
   * NATS, a map shared by the bus in memory), when the adapter has one. Optional, as `durable`.
   */
  readonly lastValues?: LastValues | undefined;
}

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
} as const;

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

/**
 * The failure of a request that nobody serves. Adapters build it with this function, so that a
 * caller can tell a request that was never delivered (safe to send elsewhere) from other failures.
 */
export function noResponders(subject: string): TesseraError {
  return TesseraError.unavailable(`no responders for ${subject}`, { reason: "no-responders", subject });
}

/** True for the failure of a request that was never delivered because nobody serves its subject. */
export function isNoResponders(err: unknown): boolean {
  return (
    err instanceof TesseraError &&
    err.code === "TESSERA_UNAVAILABLE" &&
    (err.details as { reason?: unknown } | undefined)?.reason === "no-responders"
  );
}

/** Header marking a reply whose body is a JSON error `{code, message, details}` (whatever the codec). */
export const errorHeader = "tessera-error";

const decoder = new TextDecoder();

/** The reply for a failure: always JSON, so any peer can read it. */
export function errorReplyOf(err: unknown): Reply {
  return {
    data: utf8(JSON.stringify(TesseraError.from(err).toJSON())),
    headers: { [errorHeader]: "1" },
  };
}

/** The error carried by an error reply, or `undefined` for a normal reply. */
export function errorOfReply(msg: TransportMessage): TesseraError | undefined {
  if (msg.headers[errorHeader] === undefined) return undefined;
  try {
    return TesseraError.fromBody(JSON.parse(decoder.decode(msg.data)));
  } catch {
    return TesseraError.fromBody(undefined);
  }
}
