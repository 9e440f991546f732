import {
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { brokerFailure } from "../../core/broker-failure.js";
import type { LastValues } from "../../core/durable-streams.js";
import { checkSubject } from "./subject-check.js";

/**
 * A last-value store on JetStream: one stream (`<prefix>LAST`, file storage) capturing
 * `tessera.last.<stream>.>` with `max_msgs_per_subject: 1`, so the server keeps the latest message
 * of each key and nothing else. A value is read with the stream's "last message by subject". The
 * stream's name is in its subjects so that systems with other prefixes share a server.
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
    private readonly ready: () => unknown,
  ) {
    this.js = jetstream(nc);
    this.stream = `${prefix}LAST`;
    this.root = `tessera.last.${this.stream}`;
  }

  private manager(): Promise<JetStreamManager> {
    this.jsm ??= jetstreamManager(this.nc).catch((cause: unknown) => {
      this.jsm = undefined;
      throw brokerFailure("JetStream is not enabled on the NATS server", cause);
    });
    return this.jsm;
  }

  private ensure(): Promise<void> {
    this.ensured ??= (async () => {
      const jsm = await this.manager();
      try {
        await jsm.streams.add({
          name: this.stream,
          subjects: [`${this.root}.>`],
          storage: this.storage === "memory" ? StorageType.Memory : StorageType.File,
          max_msgs_per_subject: 1,
          discard: DiscardPolicy.Old,
        });
      } catch (err) {
        // Another node created it first: its settings stand.
        await jsm.streams.info(this.stream).catch(() => Promise.reject(err));
      }
    })().catch((err: unknown) => {
      this.ensured = undefined;
      throw err;
    });
    return this.ensured;
  }

  private subject(key: string): string {
    const subject = `${this.root}.${key}`;
    checkSubject(subject);
    return subject;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    this.ready();
    const subject = this.subject(key);
    await this.ensure();
    try {
      await this.js.publish(subject, data, { timeout: 5000 });
    } catch (cause) {
      throw brokerFailure(`JetStream did not store the value of ${key}`, cause);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.ready();
    const subject = this.subject(key);
    await this.ensure();
    const jsm = await this.manager();
    try {
      const msg = await jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      return msg === null ? undefined : msg.data;
    } catch (cause) {
      throw brokerFailure(`JetStream did not give the value of ${key}`, cause);
    }
  }

  async delete(key: string): Promise<void> {
    this.ready();
    const subject = this.subject(key);
    await this.ensure();
    const jsm = await this.manager();
    await jsm.streams.purge(this.stream, { filter: subject });
  }
}
