import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import { type MsgHdrs, type NatsConnection, nanos } from "@nats-io/transport-node";
import { brokerFailure } from "../../core/broker-failure.js";
import {
  type DurableConsumerOptions,
  type DurableMessage,
  type DurablePublishOptions,
  type DurablePublishResult,
  type DurableStreams,
  deadLetterHeaders,
  PoisonMessage,
} from "../../core/durable-streams.js";
import { TesseraError } from "../../core/errors.js";
import type { Headers, TransportSubscription } from "../../core/transport-message.js";
import { toNatsHeaders } from "./nats-headers.js";
import { consumerName, type StreamOf, streamOf } from "./stream-names.js";
import { checkSubject } from "./subject-check.js";
import { SubjectSpace } from "./subject-space.js";

export interface JetStreamOptions {
  /** Prefix of the stream names (default `TESSERA_`). */
  readonly streamPrefix?: string;
  /** How long a stream keeps a message (default 7 days). */
  readonly maxAgeMs?: number;
  /** Window of publish deduplication by message id (default 2 minutes, as JetStream). */
  readonly duplicateWindowMs?: number;
  /** `file` (default) or `memory`. */
  readonly storage?: "file" | "memory";
  /** Unacknowledged messages a consumer holds at once (default 64). */
  readonly maxInFlight?: number;
}

const msgIdHeader = "Nats-Msg-Id";

function headersOfJs(h: MsgHdrs | undefined): Headers {
  if (h === undefined) return {};
  const out: Record<string, string> = {};
  for (const [key, values] of h) if (values[0] !== undefined && key !== msgIdHeader) out[key] = values[0];
  return out;
}

function messageOf(err: unknown): string {
  if (err instanceof TesseraError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Durable streams on JetStream: a stream per namespace, a durable pull consumer per name. */
export class JetStreamStreams implements DurableStreams {
  private js: JetStreamClient;
  private jsm: Promise<JetStreamManager> | undefined;
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly running = new Set<ConsumerMessages>();
  private readonly prefix: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: JetStreamOptions,
    private readonly ready: () => unknown,
    /** The system's subject space: streams capture, and messages travel on, its subjects. */
    private readonly space: SubjectSpace = new SubjectSpace(),
  ) {
    this.js = jetstream(nc);
    this.prefix = options.streamPrefix ?? "TESSERA_";
  }

  private manager(): Promise<JetStreamManager> {
    this.jsm ??= jetstreamManager(this.nc).catch((cause: unknown) => {
      this.jsm = undefined;
      throw brokerFailure("JetStream is not enabled on the NATS server", cause);
    });
    return this.jsm;
  }

  /** Creates the stream of `subject` once per process (idempotent on the server). */
  private ensure(subject: string): Promise<StreamOf> {
    const stream = streamOf(subject, this.prefix);
    let done = this.ensured.get(stream.name);
    if (done === undefined) {
      done = this.create(stream).catch((err: unknown) => {
        this.ensured.delete(stream.name);
        throw err;
      });
      this.ensured.set(stream.name, done);
    }
    return done.then(() => stream);
  }

  private async create(stream: StreamOf): Promise<void> {
    const jsm = await this.manager();
    const config = {
      name: stream.name,
      subjects: stream.subjects.map((s) => this.space.out(s)),
      storage: this.options.storage === "memory" ? StorageType.Memory : StorageType.File,
      max_age: nanos(this.options.maxAgeMs ?? 7 * 24 * 3600_000),
      duplicate_window: nanos(this.options.duplicateWindowMs ?? 120_000),
    };
    try {
      await jsm.streams.add(config);
    } catch (err) {
      // Another node created it first (possibly with other limits): its settings stand.
      await jsm.streams.info(stream.name).catch(() => Promise.reject(err));
    }
  }

  async publish(
    subject: string,
    data: Uint8Array,
    options: DurablePublishOptions = {},
  ): Promise<DurablePublishResult> {
    this.ready();
    checkSubject(subject);
    await this.ensure(subject);
    const headers = toNatsHeaders(options.headers);
    try {
      const ack = await this.js.publish(this.space.out(subject), data, {
        ...(options.id === undefined ? {} : { msgID: options.id }),
        ...(headers === undefined ? {} : { headers }),
        timeout: 5000,
      });
      return { duplicate: ack.duplicate };
    } catch (cause) {
      if (cause instanceof Error && cause.message.includes("max_payload"))
        throw new TesseraError(
          "TESSERA_PAYLOAD_TOO_LARGE",
          "durable message exceeds the server's max_payload",
          {
            cause,
          },
        );
      throw brokerFailure(`JetStream did not store the message on ${subject}`, cause);
    }
  }

  async consume(
    subject: string,
    options: DurableConsumerOptions,
    handler: (msg: DurableMessage) => Promise<void>,
  ): Promise<TransportSubscription> {
    this.ready();
    checkSubject(subject);
    const stream = await this.ensure(subject);
    const durable = consumerName(options.consumer);
    const maxDeliveries = Math.max(1, options.maxDeliveries ?? 5);
    const jsm = await this.manager();
    const config = {
      durable_name: durable,
      filter_subject: this.space.out(subject),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(options.ackWaitMs ?? 30_000),
      // A backstop: the delivery after the last one is dead-lettered without running the handler
      // (the handler crashed its process every time), so the server never needs to give up itself.
      max_deliver: maxDeliveries + 1,
    };
    try {
      await jsm.consumers.add(stream.name, config);
    } catch {
      // It exists with other settings (e.g. a new maxDeliveries): this deployment's settings win.
      const { durable_name: _, filter_subject, ack_policy: __, deliver_policy: ___, ...update } = config;
      await jsm.consumers.update(stream.name, durable, { ...update, filter_subject });
    }
    const consumer = await this.js.consumers.get(stream.name, durable);
    const deliveries = new DeliveryRunner(this, options, maxDeliveries, handler, this.space);
    const messages = await consumer.consume({
      max_messages: this.options.maxInFlight ?? 64,
      callback: (m) => deliveries.run(m),
    });
    this.running.add(messages);
    return {
      unsubscribe: async () => {
        if (!this.running.delete(messages)) return;
        await messages.close().catch(() => undefined);
      },
    };
  }

  /** Stops every consumer (the transport is closing). */
  async stop(): Promise<void> {
    const all = [...this.running];
    this.running.clear();
    await Promise.allSettled(all.map((m) => m.close()));
  }
}

/** Acknowledgements need the connection: on a closed one the server redelivers after ack_wait anyway. */
function settle(ack: () => void): void {
  try {
    ack();
  } catch {
    // See above.
  }
}

/** Runs the handler on each delivery and settles the message: ack, nak with backoff, or dead letter. */
class DeliveryRunner {
  private readonly backoff: readonly number[];

  constructor(
    private readonly streams: JetStreamStreams,
    private readonly options: DurableConsumerOptions,
    private readonly maxDeliveries: number,
    private readonly handler: (msg: DurableMessage) => Promise<void>,
    private readonly space: SubjectSpace,
  ) {
    this.backoff =
      options.backoffMs !== undefined && options.backoffMs.length > 0 ? options.backoffMs : [100, 1000, 5000];
  }

  run(m: JsMsg): void {
    void this.deliver(m);
  }

  private async deliver(m: JsMsg): Promise<void> {
    const deliveries = m.info.deliveryCount;
    if (deliveries > this.maxDeliveries) {
      await this.deadLetter(m, deliveries - 1, "earlier deliveries never completed");
      return;
    }
    const id = m.headers?.get(msgIdHeader);
    const msg: DurableMessage = {
      subject: this.space.in(m.subject),
      data: m.data,
      headers: headersOfJs(m.headers),
      deliveries,
      id: id === undefined || id === "" ? undefined : id,
    };
    try {
      await this.handler(msg);
    } catch (err) {
      if (err instanceof PoisonMessage || deliveries >= this.maxDeliveries) {
        await this.deadLetter(m, deliveries, messageOf(err));
      } else {
        settle(() => m.nak(this.backoff[Math.min(deliveries - 1, this.backoff.length - 1)]));
      }
      return;
    }
    settle(() => m.ack());
  }

  private async deadLetter(m: JsMsg, deliveries: number, reason: string): Promise<void> {
    const to = this.options.deadLetter;
    if (to !== undefined) {
      try {
        await this.streams.publish(to, m.data, {
          headers: {
            ...headersOfJs(m.headers),
            [deadLetterHeaders.subject]: this.space.in(m.subject),
            [deadLetterHeaders.consumer]: this.options.consumer,
            [deadLetterHeaders.deliveries]: String(deliveries),
            [deadLetterHeaders.error]: reason.slice(0, 500),
          },
          // A redelivery of a message already dead-lettered must not be stored twice.
          id: `dlq:${m.info.stream}:${m.seq}:${this.options.consumer}`,
        });
      } catch {
        // Not stored: leave the message unacknowledged, the server delivers it again after ack_wait.
        return;
      }
    }
    settle(() => m.term(reason.slice(0, 200)));
  }
}
