import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { brokerFailure } from "../../core/broker-failure.js";
import type {
  DurableConsumerOptions,
  DurableMessage,
  DurablePublishOptions,
  DurablePublishResult,
  DurableStreams,
} from "../../core/durable-streams.js";
import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { TransportSubscription } from "../../core/transport-message.js";
import { DeliveryRunner } from "./jetstream-delivery.js";
import {
  asBrokerFailure,
  DEGRADED_SETUP_WAIT_MS,
  FIRST_SETUP_WAIT_MS,
  isApiError,
  jetStreamDisabled,
  settledWithin,
} from "./jetstream-failures.js";
import { API_TIMEOUT_MS, type JetStreamOptions } from "./jetstream-options.js";
import {
  type NatsLink,
  PUBLISH_TIMEOUT_MS,
  publicationFailure,
  publicationId,
  publishWithRetry,
} from "./jetstream-publish.js";
import { toNatsHeaders } from "./nats-headers.js";
import { SetupRetry } from "./setup-retry.js";
import { consumerName, type StreamOf, streamOf } from "./stream-names.js";
import type { StreamReplicas } from "./stream-replicas.js";
import { checkSubject } from "./subject-check.js";
import { SubjectSpace } from "./subject-space.js";
import { SupervisedPull } from "./supervised-pull.js";

/** Durable streams on JetStream: a stream per namespace, a durable pull consumer per name. */
export class JetStreamStreams implements DurableStreams {
  private js: JetStreamClient;
  private jsm: Promise<JetStreamManager> | undefined;
  private probes: Promise<JetStreamManager> | undefined;
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly recreating = new Map<string, Promise<boolean>>();
  private readonly running = new Set<SupervisedPull>();
  /** Consumers whose setup is tried again in the background. */
  private readonly retries = new Set<SetupRetry<SupervisedPull>>();
  private stopped = false;
  private readonly prefix: string;
  /** Streams whose creation a setting made impossible, logged once. */
  private readonly refusalsLogged = new Set<string>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: JetStreamOptions,
    private readonly link: NatsLink,
    /** Creates the streams with the transport's replica count, and scales up those with fewer. */
    private readonly replicas: StreamReplicas,
    private readonly log: Logger,
    /** The system's subject space: streams capture, and messages travel on, its subjects. */
    private readonly space: SubjectSpace = new SubjectSpace(),
  ) {
    this.js = jetstream(nc);
    this.prefix = options.streamPrefix ?? "TESSERA_";
  }

  private manager(): Promise<JetStreamManager> {
    // A longer API timeout than nats.js's 5 s: a degraded cluster creates a stream in 7 s or more.
    this.jsm ??= jetstreamManager(this.nc, { timeout: this.options.apiTimeoutMs ?? API_TIMEOUT_MS }).catch(
      (cause: unknown) => {
        this.jsm = undefined;
        throw brokerFailure(
          jetStreamDisabled(cause)
            ? "JetStream is not enabled on the NATS server"
            : `JetStream is not answering (${cause instanceof Error ? cause.message : String(cause)})`,
          cause,
        );
      },
    );
    return this.jsm;
  }

  /** A manager with short requests, to find a consumer's new leader quickly. */
  private prober(): Promise<JetStreamManager> {
    this.probes ??= jetstreamManager(this.nc, { timeout: 1000, checkAPI: false });
    return this.probes;
  }

  /** Creates the stream of `subject` once per process (idempotent on the server). */
  private ensure(subject: string): Promise<StreamOf> {
    return this.ensureStream(streamOf(subject, this.prefix));
  }

  private ensureStream(stream: StreamOf): Promise<StreamOf> {
    let done = this.ensured.get(stream.name);
    if (done === undefined) {
      done = this.create(stream).catch((err: unknown) => {
        this.ensured.delete(stream.name);
        throw asBrokerFailure(`JetStream did not create the stream ${stream.name}`, err);
      });
      this.ensured.set(stream.name, done);
    }
    return done.then(() => stream);
  }

  /**
   * Whether the stream was gone from the server and is created again (issue 15 follow-up: after
   * JetStream was disabled and re-enabled by a config reload, the server had no stream, and every
   * durable emit failed until the nodes restarted, as "ensured" was cached). Asked when a
   * publication finds nobody to take it or a consumer's stream is not found; one check at a time
   * per stream. False when it exists (a leader election) or JetStream does not answer.
   */
  private recreateIfMissing(stream: StreamOf): Promise<boolean> {
    let pending = this.recreating.get(stream.name);
    if (pending === undefined) {
      pending = (async () => {
        const jsm = await this.manager();
        try {
          await jsm.streams.info(stream.name);
          return false;
        } catch (err) {
          if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) return false;
        }
        this.ensured.delete(stream.name);
        await this.ensureStream(stream);
        this.log.warn(`JetStream stream ${stream.name} was gone from the server: created again`);
        return true;
      })()
        .catch(() => false)
        .finally(() => this.recreating.delete(stream.name));
      this.recreating.set(stream.name, pending);
    }
    return pending;
  }

  private async create(stream: StreamOf): Promise<void> {
    const jsm = await this.manager();
    const { maxBytes, maxMsgs } = this.options;
    await this.replicas.ensure(jsm, {
      name: stream.name,
      subjects: stream.subjects.map((s) => this.space.out(s)),
      storage: this.options.storage === "memory" ? StorageType.Memory : StorageType.File,
      max_age: nanos(this.options.maxAgeMs ?? 7 * 24 * 3600_000),
      duplicate_window: nanos(this.options.duplicateWindowMs ?? 120_000),
      ...(maxBytes === undefined ? {} : { max_bytes: maxBytes }),
      ...(maxMsgs === undefined ? {} : { max_msgs: maxMsgs }),
    });
  }

  async publish(
    subject: string,
    data: Uint8Array,
    options: DurablePublishOptions = {},
  ): Promise<DurablePublishResult> {
    // While the client reconnects, the publication waits for it (within its timeout).
    if (!this.link.reconnecting()) this.link.ready();
    checkSubject(subject);
    const stream = await this.ensure(subject).catch((err: unknown) => {
      this.logRefusal(subject, err);
      throw err;
    });
    try {
      const ack = await publishWithRetry(
        this.js,
        {
          subject: this.space.out(subject),
          data,
          headers: toNatsHeaders(options.headers),
          // Every publication carries an id: JetStream drops a copy, so one left without an answer
          // (its stream's leader died) is sent again after a short wait, not the whole timeout.
          msgID: publicationId(options.id),
        },
        this.options.publishTimeoutMs ?? PUBLISH_TIMEOUT_MS,
        this.link,
        () => this.recreateIfMissing(stream),
      );
      // A generated id is only ever seen again when an earlier attempt of this call was stored.
      return { duplicate: options.id !== undefined && ack.duplicate };
    } catch (cause) {
      if (cause instanceof Error && cause.message.includes("max_payload"))
        throw new TesseraError(
          "TESSERA_PAYLOAD_TOO_LARGE",
          "durable message exceeds the server's max_payload",
          {
            cause,
          },
        );
      throw publicationFailure(cause, {
        what: `the message on ${subject}`,
        ifUnknown:
          options.id === undefined
            ? "emitting it again may store it twice (an emit with an id is stored once)"
            : "emitting it again with the same id is safe: it is stored once",
      });
    }
  }

  /**
   * Logs a stream that cannot be created for a setting (`TESSERA_CONFIG`: more replicas than the
   * servers can keep), once per stream: a node that only emits answered 500 and logged nothing
   * (issue 15 verification). A consumer's refusal fails its start, or is logged by its setup.
   */
  private logRefusal(subject: string, err: unknown): void {
    if (!(err instanceof TesseraError) || err.code !== "TESSERA_CONFIG") return;
    const { name } = streamOf(subject, this.prefix);
    if (this.refusalsLogged.has(name)) return;
    this.refusalsLogged.add(name);
    this.log.error(`JetStream cannot create the stream ${name}, emits to it fail: ${err.message}`, {
      stream: name,
    });
  }

  /**
   * Sets up the durable consumer and pulls from it. A node starts while the broker is degraded
   * (issue 15 verification: during a quorum loss a consumer node exited at start with "JetStream
   * is not enabled", or waited out the API timeout with no port open): when JetStream answers that
   * it cannot (temporarily unavailable, its stream not created in time) or does not answer within
   * {@link FIRST_SETUP_WAIT_MS}, the subscription is returned and the setup goes on in the background
   * ({@link SetupRetry}). JetStream not enabled on the server, or a setting it refuses, still fails
   * at once: nothing would change them.
   */
  async consume(
    subject: string,
    options: DurableConsumerOptions,
    handler: (msg: DurableMessage) => Promise<void>,
  ): Promise<TransportSubscription> {
    this.link.ready();
    checkSubject(subject);
    const name = `the consumer ${consumerName(options.consumer)} of ${streamOf(subject, this.prefix).name}`;
    const attach = () => this.attach(subject, options, handler);
    let pull: SupervisedPull | undefined;
    let cancelled = false;
    const done = (p: SupervisedPull) => {
      if (cancelled || this.stopped) {
        void p.close().catch(() => undefined);
        return;
      }
      pull = p;
      this.running.add(p);
    };
    const setUp = (p: SupervisedPull) => {
      this.retries.delete(retry);
      done(p);
    };
    const retry: SetupRetry<SupervisedPull> = new SetupRetry(name, attach, setUp, this.log);
    const failed = (err: unknown) => {
      if (cancelled || this.stopped) return;
      if (!SetupRetry.retryable(err) || jetStreamDisabled(err)) {
        this.retries.delete(retry);
        this.log.error(`JetStream refused to set up ${name}: ${(err as Error).message}`, { err });
        return;
      }
      this.retries.add(retry);
      retry.begin(err);
    };
    const first = attach();
    // While another consumer's setup waits for JetStream, this one holds the start for less.
    const waitMs = this.retries.size > 0 ? DEGRADED_SETUP_WAIT_MS : FIRST_SETUP_WAIT_MS;
    const outcome = await settledWithin(first, waitMs);
    if (outcome === undefined) {
      this.log.warn(
        `JetStream has not set up ${name} within ${waitMs} ms: the node goes on, the setup continues in the background`,
      );
      this.retries.add(retry);
      first.then(setUp, failed);
    } else if ("value" in outcome) {
      done(outcome.value);
    } else {
      const err = outcome.error;
      if (!SetupRetry.retryable(err) || jetStreamDisabled(err) || this.stopped) throw err;
      failed(err);
    }
    return {
      unsubscribe: async () => {
        cancelled = true;
        retry.cancel();
        this.retries.delete(retry);
        if (pull === undefined || !this.running.delete(pull)) return;
        await pull.close();
      },
    };
  }

  /** Creates the stream (once) and the consumer, and starts pulling. */
  private async attach(
    subject: string,
    options: DurableConsumerOptions,
    handler: (msg: DurableMessage) => Promise<void>,
  ): Promise<SupervisedPull> {
    const stream = await this.ensure(subject);
    const durable = consumerName(options.consumer);
    const maxDeliveries = Math.max(1, options.maxDeliveries ?? this.options.maxDeliveries ?? 5);
    const config = {
      durable_name: durable,
      filter_subject: this.space.out(subject),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(options.ackWaitMs ?? this.options.ackWaitMs ?? 30_000),
      // A backstop: the delivery after the last one is dead-lettered without running the handler
      // (the handler crashed its process every time), so the server never needs to give up itself.
      max_deliver: maxDeliveries + 1,
    };
    try {
      const jsm = await this.manager();
      const setup = async () => {
        try {
          await jsm.consumers.add(stream.name, config);
        } catch {
          // It exists with other settings (e.g. a new maxDeliveries): this deployment's settings win.
          const { durable_name: _, ack_policy: __, deliver_policy: ___, ...update } = config;
          await jsm.consumers.update(stream.name, durable, update);
        }
      };
      await setup();
      const deliveries = new DeliveryRunner(this, options, maxDeliveries, handler, this.space);
      const probe = async () => {
        const info = await (await this.prober()).consumers
          .info(stream.name, durable)
          .catch(async (err: unknown) => {
            if (isApiError(err, JetStreamApiCodes.ConsumerNotFound)) return undefined;
            // The stream itself is gone (JetStream lost it): create it again, then the consumer.
            if (isApiError(err, JetStreamApiCodes.StreamNotFound) && (await this.recreateIfMissing(stream)))
              return undefined;
            throw err;
          });
        if (info === undefined) await setup();
      };
      return await SupervisedPull.start(
        {
          consumer: await this.js.consumers.get(stream.name, durable),
          probe,
          name: `${stream.name}/${durable}`,
        },
        {
          maxMessages: this.options.maxInFlight ?? 64,
          expiresMs: this.options.pullExpiresMs ?? 5000,
          heartbeatMs: this.options.heartbeatMs ?? 1000,
        },
        (m) => deliveries.run(m),
        this.log,
      );
    } catch (err) {
      throw asBrokerFailure(`JetStream did not set up the consumer ${durable} of ${stream.name}`, err);
    }
  }

  /** Stops every consumer (the transport is closing). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const retry of this.retries) retry.cancel();
    this.retries.clear();
    const all = [...this.running];
    this.running.clear();
    await Promise.allSettled(all.map((m) => m.close()));
  }
}
