import type { Consumer, ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "../../core/logger.js";
import { RepeatedFailure } from "../../core/repeated-failure.js";

export interface PullSettings {
  /** Messages asked for per pull. */
  readonly maxMessages: number;
  /** Life of one pull on the server. */
  readonly expiresMs: number;
  /** Interval of the server's heartbeats on a waiting pull. */
  readonly heartbeatMs: number;
}

export interface PullTarget {
  /** The durable consumer, for `consume()`. */
  readonly consumer: Consumer;
  /** Resolves once the consumer's leader answers (it re-creates a consumer that is gone). */
  probe(): Promise<void>;
  /** For the log lines: `<stream>/<durable>`. */
  readonly name: string;
}

/** Probes 250 ms apart before slowing down: 10 s, longer than a leader election. */
const FAST_PROBES = 40;

/** Signs that the consumer's leader has our pull: a heartbeat, a message, an expiry or discard notice. */
const lifeSigns = new Set(["heartbeat", "debug", "discard", "flow_control", "exceeded_limits"]);

/**
 * A durable consumer's pull loop (nats.js `consume()`), watched: when nothing has come from the
 * server for three heartbeat intervals, its leader (or the server the client was on) is gone.
 * nats.js would then check the consumer with a 5 s request and back off for about a pull's life
 * between checks, which left consumers idle for 10 s after a leader change (45 s with its
 * defaults, issue 15). Here the consumer is probed every 250 ms with short requests; as soon as
 * a leader answers, the old pull loop is closed and a new one pulls from it.
 *
 * Handlers are not run twice by the swap: messages already received keep their acknowledgements
 * (those travel on their own subjects), and the old loop takes no more after it is closed.
 */
export class SupervisedPull {
  private current: ConsumerMessages | undefined;
  private lastLife = Date.now();
  private recovering = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  /** A new pull loop the consumer refused: logged once, then counted, tried after growing pauses. */
  private readonly reopenFailures: RepeatedFailure;
  private notBefore = 0;

  private constructor(
    private readonly target: PullTarget,
    private readonly settings: PullSettings,
    private readonly onMessage: (m: JsMsg) => void,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => this.check(), settings.heartbeatMs);
    this.timer.unref();
    this.reopenFailures = new RepeatedFailure(log, `JetStream consumer ${target.name}: pulling again`, {
      backoff: { baseDelayMs: settings.heartbeatMs, maxDelayMs: Math.max(settings.heartbeatMs, 10_000) },
    });
  }

  static async start(
    target: PullTarget,
    settings: PullSettings,
    onMessage: (m: JsMsg) => void,
    log: Logger,
  ): Promise<SupervisedPull> {
    const pull = new SupervisedPull(target, settings, onMessage, log);
    try {
      pull.current = await pull.open();
    } catch (err) {
      clearInterval(pull.timer);
      throw err;
    }
    return pull;
  }

  private async open(): Promise<ConsumerMessages> {
    const messages = await this.target.consumer.consume({
      max_messages: this.settings.maxMessages,
      expires: this.settings.expiresMs,
      idle_heartbeat: this.settings.heartbeatMs,
      // A message of the loop being replaced is a delivery like any other: it is handled and acknowledged.
      callback: (m) => {
        this.lastLife = Date.now();
        this.onMessage(m);
      },
    });
    void this.watch(messages);
    return messages;
  }

  private async watch(messages: ConsumerMessages): Promise<void> {
    for await (const s of messages.status()) if (lifeSigns.has(s.type)) this.lastLife = Date.now();
  }

  private check(): void {
    if (this.closed || this.recovering || Date.now() < this.notBefore) return;
    if (Date.now() - this.lastLife <= 3 * this.settings.heartbeatMs) return;
    this.recovering = true;
    void this.recover().finally(() => {
      this.recovering = false;
    });
  }

  private async recover(): Promise<void> {
    const since = this.lastLife;
    // Said once per outage: while new pull loops fail, their failures are counted instead.
    if (!this.reopenFailures.failing)
      this.log.warn(
        `JetStream consumer ${this.target.name}: no heartbeat for ${Date.now() - since} ms, looking for its leader`,
      );
    const probes = await this.findLeader();
    // The old loop found the leader itself meanwhile: it pulls again, leave it.
    if (this.closed || this.lastLife !== since) {
      if (!this.closed) this.reopenFailures.recovered();
      return;
    }
    const old = this.current;
    try {
      const fresh = await this.open();
      this.current = fresh;
      if (this.closed) await fresh.close().catch(() => undefined);
    } catch (err) {
      this.notBefore = Date.now() + this.reopenFailures.failed(err);
      return;
    }
    this.lastLife = Date.now();
    await old?.close().catch(() => undefined);
    const line = `JetStream consumer ${this.target.name} pulls again after ${Date.now() - since} ms without heartbeats`;
    // One line either way: after failed attempts it carries their count.
    if (this.reopenFailures.failing) this.reopenFailures.recovered(line, { probes });
    else this.log.info(line, { probes });
  }

  /**
   * Probes every 250 ms without waiting for the previous probe's answer (each waits up to 1 s), so
   * that the consumer's new leader is found within 250 ms of its election; after 10 s without one
   * (JetStream down, not an election), every 2 s, said once. Resolves with the count.
   */
  private findLeader(): Promise<number> {
    return new Promise((resolve) => {
      let probes = 0;
      let found = false;
      const tick = () => {
        if (found) return;
        if (this.closed) {
          found = true;
          resolve(probes);
          return;
        }
        probes++;
        if (probes === FAST_PROBES + 1)
          this.log.warn(`JetStream consumer ${this.target.name}: no leader answers yet, asking every 2 s`);
        this.target.probe().then(
          () => {
            if (found) return;
            found = true;
            resolve(probes);
          },
          () => undefined,
        );
        setTimeout(tick, probes <= FAST_PROBES ? 250 : 2000).unref();
      };
      tick();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.current?.close().catch(() => undefined);
  }
}
