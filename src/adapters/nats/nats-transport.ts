import type { ConnectionOptions, Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { brokerFailure } from "../../core/broker-failure.js";
import type { DeadLetterStore } from "../../core/dead-letter-store.js";
import type { DurableStreams, LastValues } from "../../core/durable-streams.js";
import { TesseraError } from "../../core/errors.js";
import { createLogger, type Logger } from "../../core/logger.js";
import { maskUrl } from "../../core/mask-url.js";
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
import { errorReplyOf } from "../../core/wire-reply.js";
import { connectFailure } from "./connect-failure.js";
import { JetStreamDeadLetters } from "./jetstream-dead-letters.js";
import { JetStreamLastValues } from "./jetstream-last-values.js";
import { checkJetStreamOptions, type JetStreamOptions } from "./jetstream-options.js";
import { JetStreamStreams } from "./jetstream-streams.js";
import { headersOf, publishOptions } from "./nats-headers.js";
import { connectionSecurity, type NatsSecurity } from "./nats-security.js";
import { checkNatsSecurity, type NatsSecurityKey } from "./nats-security-check.js";
import { OutageLog } from "./outage-log.js";
import { ReplyMux } from "./reply-mux.js";
import { StreamReplicas } from "./stream-replicas.js";
import { checkPattern, checkSubject } from "./subject-check.js";
import { SubjectSpace } from "./subject-space.js";

/** The driver: `connect` of `@nats-io/transport-node`, or anything that returns a connection. */
export type NatsConnect = (options: ConnectionOptions) => Promise<NatsConnection>;

export interface NatsTransportOptions {
  /** Server URL(s). Default `nats://127.0.0.1:4222`. */
  readonly servers?: string | readonly string[];
  /** Connection name shown by the server's monitoring (default `tesserae`). */
  readonly name?: string;
  /**
   * The system's name: every subject becomes `<system>.<subject>` and stream names start with
   * `<system>_`, so that several systems share one NATS without seeing each other. Default none.
   */
  readonly system?: string;
  /** Credentials and TLS (user and password or a token in a server URL are read too: nats.js does not). */
  readonly security?: NatsSecurity;
  /** How refusals of `security` name its settings (default `security.credsFile`…; the CLI: the variable or field). */
  readonly securityNames?: (key: NatsSecurityKey) => string;
  /** Further nats.js connection options (credentials, TLS, …); Tesserae's reconnect defaults are kept unless set here. */
  readonly connectionOptions?: Omit<ConnectionOptions, "servers" | "name">;
  /** How long a first connection may take before it fails with its likely cause (default 5000 ms; nats.js: 20 s). */
  readonly connectTimeoutMs?: number;
  /** How long `close()` waits for in-flight replies (default 2000 ms). */
  readonly drainTimeoutMs?: number;
  /** JetStream settings: streams' replicas and limits, consumers' pulls and acks (checked at construction). */
  readonly jetstream?: JetStreamOptions;
  /** How refusals at run time name a JetStream setting (default `jetstream.replicas`…; the CLI: its variable or field). */
  readonly jetstreamNames?: (key: keyof JetStreamOptions) => string;
  /** Where the transport logs what it does on the server (a stream scaled up, a consumer that lost its leader). Default: stderr. */
  readonly logger?: Logger;
}

const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

function tooLarge(size: number, limit: number, what = "payload"): TesseraError {
  return new TesseraError(
    "TESSERA_PAYLOAD_TOO_LARGE",
    `${what} of ${size} bytes exceeds the NATS server's max_payload of ${limit}`,
    { details: { size, limit } },
  );
}

/** nats.js refuses an oversized message (data + headers) with an InvalidArgumentError naming max_payload. */
function isPayloadError(err: unknown): boolean {
  return err instanceof Error && err.message.includes("max_payload");
}

/**
 * The NATS transport: core NATS for request/reply and publish/subscribe (queue groups for
 * balanced delivery), JetStream for durable streams. It wraps one connection that it opens
 * itself through the injected driver, and never patches it.
 */
export class NatsTransport implements Transport {
  readonly kind = "nats";
  private nc: NatsConnection | undefined;
  private up = false;
  private closing: Promise<void> | undefined;
  private closed = false;
  private readonly mux = new ReplyMux();
  private readonly subs = new Set<Subscription>();
  private readonly replying = new Set<Promise<void>>();
  private readonly servers: string[];
  private readonly drainTimeoutMs: number;
  private readonly space: SubjectSpace;
  private streams: JetStreamStreams | undefined;
  private last: JetStreamLastValues | undefined;
  private dead: JetStreamDeadLetters | undefined;

  constructor(
    private readonly driver: NatsConnect,
    private readonly options: NatsTransportOptions = {},
  ) {
    const s = options.servers ?? "nats://127.0.0.1:4222";
    this.servers = typeof s === "string" ? [s] : [...s];
    this.drainTimeoutMs = options.drainTimeoutMs ?? 2000;
    this.space = new SubjectSpace(options.system);
    checkJetStreamOptions(options.jetstream ?? {});
  }

  get maxPayload(): number {
    return this.nc?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** Durable streams on JetStream (available once connected). */
  get durable(): DurableStreams | undefined {
    return this.streams;
  }

  /** The last-value store on JetStream (available once connected). */
  get lastValues(): LastValues | undefined {
    return this.last;
  }

  /** The dead letters of the `tessera.dlq.<service>` streams (available once connected). */
  get deadLetters(): DeadLetterStore | undefined {
    return this.dead;
  }

  /** The connection, for tools that need more of NATS than the port offers (e.g. tests). */
  get connection(): NatsConnection | undefined {
    return this.nc;
  }

  async connect(): Promise<void> {
    if (this.nc !== undefined) return;
    if (this.closed) throw brokerFailure("NATS transport is closed");
    let nc: NatsConnection;
    const security = this.options.security ?? {};
    // A missing or garbage file or seed is the configuration's fault, said before any connection.
    checkNatsSecurity(security, this.options.securityNames);
    const secured = connectionSecurity(this.servers, security);
    const timeoutMs = this.options.connectTimeoutMs ?? 5000;
    try {
      nc = await this.driver({
        // Reconnect for ever, quickly: a broker restart must not need a restart of the nodes.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 10_000,
        timeout: timeoutMs,
        ...secured.options,
        ...this.options.connectionOptions,
        servers: secured.servers,
        name: this.options.name ?? "tesserae",
      });
    } catch (cause) {
      const o = secured.options;
      throw connectFailure(cause, {
        servers: this.servers,
        timeoutMs: this.options.connectionOptions?.timeout ?? timeoutMs,
        tls: o.tls !== undefined || this.servers.some((s) => s.startsWith("tls://")),
        clientCertificate: security.tls?.certFile !== undefined || o.tls?.cert !== undefined,
        secrets: [o.pass, o.token, security.nkeySeed].filter((v): v is string => typeof v === "string"),
      });
    }
    this.nc = nc;
    this.up = true;
    this.mux.attach(nc);
    const js = this.options.jetstream ?? {};
    const streamPrefix = js.streamPrefix ?? this.space.streamPrefix();
    const log = this.options.logger ?? createLogger();
    const replicas = new StreamReplicas(nc, js.replicas, log, this.options.jetstreamNames?.("replicas"));
    const link = {
      ready: () => this.check(),
      reconnecting: () => !this.up && !this.closed && this.closing === undefined && !nc.isClosed(),
    };
    this.streams = new JetStreamStreams(nc, { ...js, streamPrefix }, link, replicas, log, this.space);
    this.dead = new JetStreamDeadLetters(nc, streamPrefix, this.space);
    this.last = new JetStreamLastValues(
      nc,
      streamPrefix,
      js.storage ?? "file",
      link,
      replicas,
      js.publishTimeoutMs,
      js.apiTimeoutMs,
    );
    void this.watch(nc, new OutageLog(log));
  }

  /** Follows the connection's life: a disconnection fails the calls waiting for replies (they may be retried elsewhere). */
  private async watch(nc: NatsConnection, outages: OutageLog): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === "disconnect" && this.closing === undefined) {
        this.up = false;
        outages.lost(s.server);
        this.mux.failAll(brokerFailure("connection to NATS lost"));
      } else if (s.type === "reconnect") {
        this.up = !this.closed;
        outages.back(s.server);
      } else if (s.type === "close") {
        this.up = false;
      }
    }
  }

  status(): TransportStatus {
    const nc = this.nc;
    if (nc === undefined) return { connected: false, detail: "not connected" };
    if (this.up) return { connected: true, detail: nc.getServer() };
    return {
      connected: false,
      detail: this.closed ? "closed" : `reconnecting to ${maskUrl(this.servers.join(","))}`,
    };
  }

  /** The connection, or `TESSERA_UNAVAILABLE` when there is none to use now. */
  private check(): NatsConnection {
    if (this.nc === undefined || this.closed || this.closing !== undefined)
      throw brokerFailure("NATS transport is not connected");
    if (!this.up) throw brokerFailure("NATS connection lost, reconnecting");
    return this.nc;
  }

  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<TransportMessage> {
    let nc: NatsConnection;
    try {
      nc = this.check();
      checkSubject(subject);
      if (data.byteLength > this.maxPayload) throw tooLarge(data.byteLength, this.maxPayload);
    } catch (err) {
      return Promise.reject(err);
    }
    const wire = this.space.out(subject);
    const { token, reply } = this.mux.open(subject, Math.max(0, options.timeoutMs), {
      subject: wire,
      system: this.space.system,
    });
    try {
      nc.publish(wire, data, publishOptions(options.headers, this.mux.replySubject(token)));
    } catch (err) {
      this.mux.fail(token, this.sendError(err, data));
    }
    return reply;
  }

  private sendError(err: unknown, data: Uint8Array): TesseraError {
    if (isPayloadError(err)) return tooLarge(data.byteLength, this.maxPayload, "payload with its headers");
    if (err instanceof TesseraError) return err;
    return brokerFailure("NATS refused the message", err);
  }

  async respond(
    subject: string,
    options: TransportSubscribeOptions,
    handler: (msg: TransportMessage) => Promise<WireReply> | WireReply,
  ): Promise<TransportSubscription> {
    return this.attach(subject, options, (msg) => {
      const to = msg.reply;
      if (to === undefined || to === "") return;
      const m: TransportMessage = {
        subject: this.space.in(msg.subject),
        data: msg.data,
        headers: headersOf(msg),
      };
      let r: Promise<WireReply> | WireReply;
      try {
        r = handler(m);
      } catch (err) {
        r = errorReplyOf(err);
      }
      if (!(r instanceof Promise)) {
        this.reply(to, r);
        return;
      }
      const replying: Promise<void> = r
        .then(
          (reply) => this.reply(to, reply),
          (err: unknown) => this.reply(to, errorReplyOf(err)),
        )
        .finally(() => this.replying.delete(replying));
      this.replying.add(replying);
    });
  }

  private reply(to: string, reply: WireReply): void {
    const nc = this.nc;
    // Closed under our feet: the requester learns it from its own deadline or connection.
    if (nc === undefined || nc.isClosed()) return;
    try {
      nc.publish(to, reply.data, publishOptions(reply.headers));
    } catch (err) {
      const e = isPayloadError(err)
        ? tooLarge(reply.data.byteLength, this.maxPayload, "reply")
        : TesseraError.from(err);
      try {
        const fallback = errorReplyOf(e);
        nc.publish(to, fallback.data, publishOptions(fallback.headers));
      } catch {
        // Disconnected: nothing more to do, the requester's deadline ends its wait.
      }
    }
  }

  async publish(subject: string, data: Uint8Array, headers?: Headers): Promise<void> {
    const nc = this.check();
    checkSubject(subject);
    if (data.byteLength > this.maxPayload) throw tooLarge(data.byteLength, this.maxPayload);
    try {
      nc.publish(this.space.out(subject), data, publishOptions(headers));
    } catch (err) {
      throw this.sendError(err, data);
    }
  }

  async subscribe(
    subject: string,
    options: TransportSubscribeOptions,
    handler: (msg: TransportMessage) => void | Promise<void>,
  ): Promise<TransportSubscription> {
    return this.attach(subject, options, (msg) => {
      const m: TransportMessage = {
        subject: this.space.in(msg.subject),
        data: msg.data,
        headers: headersOf(msg),
      };
      try {
        const r = handler(m);
        // A subscriber's failure is its own business: the subscription goes on.
        if (r instanceof Promise) r.catch(() => undefined);
      } catch {
        // Likewise.
      }
    });
  }

  private async attach(
    pattern: string,
    options: TransportSubscribeOptions,
    onMessage: (msg: Msg) => void,
  ): Promise<TransportSubscription> {
    const nc = this.check();
    checkPattern(pattern);
    const sub = nc.subscribe(this.space.out(pattern), {
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      callback: (err, msg) => {
        if (err === null) onMessage(msg);
      },
    });
    this.subs.add(sub);
    // In effect once the server has it: a flush is a round trip after the SUB.
    await nc.flush();
    return {
      unsubscribe: async () => {
        if (!this.subs.delete(sub)) return;
        sub.unsubscribe();
        if (!nc.isClosed() && this.up) await nc.flush().catch(() => undefined);
      },
    };
  }

  close(): Promise<void> {
    if (this.nc === undefined || this.closed) return Promise.resolve();
    this.closing ??= this.shutdown(this.nc);
    return this.closing;
  }

  private async shutdown(nc: NatsConnection): Promise<void> {
    // Stop taking work first: the server must stop routing requests here before we go.
    for (const sub of this.subs) sub.unsubscribe();
    this.subs.clear();
    await this.streams?.stop();
    if (this.up) await nc.flush().catch(() => undefined);
    // The port promises that in-flight replies go out before the disconnection (bounded).
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
    this.mux.detach();
    this.closed = true;
    this.up = false;
    if (!nc.isClosed()) {
      await nc.flush().catch(() => undefined);
      await nc.close().catch(() => undefined);
    }
    // Last, with nothing awaited after it: the callers learn it as close() resolves.
    this.mux.failAll(brokerFailure("transport closed"));
    this.closing = undefined;
  }
}
