import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { brokerFailure } from "../../core/broker-failure.js";
import type { LastValueEntry, LastValues } from "../../core/durable-streams.js";
import { TesseraError } from "../../core/errors.js";
import { API_TIMEOUT_MS } from "./jetstream-options.js";
import {
  type NatsLink,
  PUBLISH_TIMEOUT_MS,
  publicationFailure,
  publishWithRetry,
} from "./jetstream-publish.js";
import type { StreamReplicas } from "./stream-replicas.js";
import { checkSubject } from "./subject-check.js";

function missing(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}

/** JetStream refused a put whose expected last sequence of its subject is no longer the last. */
function wrongRevision(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence;
}

/**
 * A last-value store on JetStream: one stream (`<prefix>LAST`, file storage) capturing
 * `tessera.last.<stream>.>` with `max_msgs_per_subject: 1`, so the server keeps the latest message
 * of each key and nothing else. A value is read with the stream's "last message by subject". The
 * stream's name is in its subjects so that systems with other prefixes share a server. It has the
 * transport's replica count, as the event streams.
 */
export class JetStreamLastValues implements LastValues {
  private readonly js: JetStreamClient;
  private jsm: Promise<JetStreamManager> | undefined;
  private ensured: Promise<void> | undefined;
  private readonly stream: string;
  private readonly root: string;

  constructor(
    private readonly nc: NatsConnection,
    prefix: string,
    private readonly storage: "file" | "memory",
    private readonly link: NatsLink,
    private readonly replicas: StreamReplicas,
    private readonly publishTimeoutMs = PUBLISH_TIMEOUT_MS,
    /** How long its stream's creation may wait for JetStream's answer. */
    private readonly apiTimeoutMs = API_TIMEOUT_MS,
  ) {
    this.js = jetstream(nc);
    this.stream = `${prefix}LAST`;
    this.root = `tessera.last.${this.stream}`;
  }

  private manager(): Promise<JetStreamManager> {
    this.jsm ??= jetstreamManager(this.nc, { timeout: this.apiTimeoutMs }).catch((cause: unknown) => {
      this.jsm = undefined;
      throw brokerFailure("JetStream is not enabled on the NATS server", cause);
    });
    return this.jsm;
  }

  private ensure(): Promise<void> {
    this.ensured ??= (async () => {
      const jsm = await this.manager();
      await this.replicas.ensure(jsm, {
        name: this.stream,
        subjects: [`${this.root}.>`],
        storage: this.storage === "memory" ? StorageType.Memory : StorageType.File,
        max_msgs_per_subject: 1,
        discard: DiscardPolicy.Old,
      });
    })().catch((err: unknown) => {
      this.ensured = undefined;
      throw err instanceof TesseraError
        ? err
        : brokerFailure(`JetStream did not create the stream ${this.stream}`, err);
    });
    return this.ensured;
  }

  /**
   * Whether the stream was gone from the server (JetStream disabled and re-enabled) and is created
   * again: the cached "ensured" is forgotten. False when it exists or JetStream does not answer.
   */
  private async recreateIfMissing(): Promise<boolean> {
    try {
      await (await this.manager()).streams.info(this.stream);
      return false;
    } catch (err) {
      if (!missing(err)) return false;
    }
    this.ensured = undefined;
    return this.ensure().then(
      () => true,
      () => false,
    );
  }

  private subject(key: string): string {
    const subject = `${this.root}.${key}`;
    checkSubject(subject);
    return subject;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    // While the client reconnects, the put waits for it (within its timeout).
    if (!this.link.reconnecting()) this.link.ready();
    const subject = this.subject(key);
    await this.ensure();
    try {
      // Without an id: a put whose answer was lost is not sent again (it could land after a newer one).
      await publishWithRetry(this.js, { subject, data }, this.publishTimeoutMs, this.link, () =>
        this.recreateIfMissing(),
      );
    } catch (cause) {
      throw publicationFailure(cause, { what: `the value of ${key}` });
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.link.ready();
    const subject = this.subject(key);
    await this.ensure();
    const jsm = await this.manager();
    try {
      const msg = await jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      return msg === null ? undefined : msg.data;
    } catch (cause) {
      // The stream is gone with its values: none to give, and the next put has its stream again.
      if (missing(cause) && (await this.recreateIfMissing())) return undefined;
      throw brokerFailure(`JetStream did not give the value of ${key}`, cause);
    }
  }

  /** The last message of the key's subject, its stream sequence as the revision. */
  async entry(key: string): Promise<LastValueEntry | undefined> {
    this.link.ready();
    const subject = this.subject(key);
    await this.ensure();
    const jsm = await this.manager();
    try {
      const msg = await jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      return msg === null ? undefined : { data: msg.data, revision: msg.seq };
    } catch (cause) {
      if (missing(cause) && (await this.recreateIfMissing())) return undefined;
      throw brokerFailure(`JetStream did not give the value of ${key}`, cause);
    }
  }

  /**
   * A put with `Nats-Expected-Last-Subject-Sequence`: the server stores it only while the key's
   * last sequence is `revision` (0: none). Sent once: a put whose answer is lost may have landed,
   * which the caller sees as a newer revision of its own value.
   */
  async putIf(key: string, data: Uint8Array, revision: number): Promise<number | undefined> {
    this.link.ready();
    const subject = this.subject(key);
    await this.ensure();
    try {
      const ack = await this.js.publish(subject, data, {
        expect: { lastSubjectSequence: revision },
        timeout: this.publishTimeoutMs,
      });
      return ack.seq;
    } catch (cause) {
      if (wrongRevision(cause)) return undefined;
      if (missing(cause)) await this.recreateIfMissing();
      if (cause instanceof Error && cause.message.includes("max_payload"))
        throw new TesseraError(
          "TESSERA_PAYLOAD_TOO_LARGE",
          `JetStream did not store the value of ${key}: it is too large (${data.byteLength} bytes, over the server's max_payload)`,
          { cause },
        );
      throw brokerFailure(`JetStream did not store the value of ${key}`, cause);
    }
  }

  async delete(key: string): Promise<void> {
    this.link.ready();
    const subject = this.subject(key);
    await this.ensure();
    const jsm = await this.manager();
    try {
      await jsm.streams.purge(this.stream, { filter: subject });
    } catch (cause) {
      if (missing(cause) && (await this.recreateIfMissing())) return;
      throw brokerFailure(`JetStream did not delete the value of ${key}`, cause);
    }
  }
}
