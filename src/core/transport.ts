import type { DeadLetterStore } from "./dead-letter-store.js";
import type { DurableStreams, LastValues } from "./durable-streams.js";
import type { Headers, TransportMessage, TransportSubscription, WireReply } from "./transport-message.js";

/**
 * The messaging interface the node needs: core defines it, adapters (memory, NATS) implement it and
 * pass the shared contract suite (`test/contract/transport-contract.ts`).
 *
 * Subjects are dot-separated tokens; subscriptions may use `*` (one token) and `>` (the rest).
 */

export interface RequestOptions {
  /** Give up after this many ms with `TESSERA_TIMEOUT`. */
  readonly timeoutMs: number;
  readonly headers?: Headers;
}

export interface TransportSubscribeOptions {
  /** Members of the same queue group share the messages: each message reaches one of them. */
  readonly queue?: string;
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
    options: TransportSubscribeOptions,
    handler: (msg: TransportMessage) => Promise<WireReply> | WireReply,
  ): Promise<TransportSubscription>;
  /** Fire-and-forget publication; resolves when the transport has taken the message. */
  publish(subject: string, data: Uint8Array, headers?: Headers): Promise<void>;
  /** Receives publications. A handler that throws is the caller's problem: the transport keeps delivering. */
  subscribe(
    subject: string,
    options: TransportSubscribeOptions,
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
  /** The dead letters of the durable streams, for management tools (`tesserae dlq`), when the adapter keeps them. */
  readonly deadLetters?: DeadLetterStore | undefined;
}
