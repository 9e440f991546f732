import type { Codec } from "../../core/codec.js";
import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { RepeatedFailure } from "../../core/repeated-failure.js";
import { subjects } from "../../core/subjects.js";
import type { Transport } from "../../core/transport.js";
import type { EventStore, OutboxMessage } from "../../ports/event-store.js";

export interface OutboxRelayOptions {
  /** Messages taken per round (default 100). */
  readonly batch?: number;
  /** How long a taken message is reserved for this relay (default 30 s): past it, another relay may publish it. */
  readonly leaseMs?: number;
  /** Poll interval when idle, for commits of other processes (default 200 ms). */
  readonly pollMs?: number;
  /** Pauses before retrying after a failed round, in ms: 100 doubling up to this (default 5000), jittered. */
  readonly maxBackoffMs?: number;
}

/** Header carrying the stable id of a published domain event (also used as its request id). */
export const MESSAGE_ID_HEADER = "tessera-message-id";

/**
 * Outbox header of a message to publish on the transport's durable streams (set for the domain
 * events of a `durable` aggregate). Read by the relay, never published.
 */
export const DURABLE_MARK = "tessera-outbox-durable";

/** Messages taken but not yet published, still leased to this relay until `until`. */
interface Held {
  readonly messages: readonly OutboxMessage[];
  readonly until: number;
}

/**
 * Publishes the outbox on the transport: takes messages in order, publishes each on its event's
 * subject, then removes them. A message marked durable goes to the transport's durable streams
 * with its stable id as the message id, and is removed only once the broker has acknowledged it:
 * a crash between the two publishes it again, which the broker drops as a duplicate (within its
 * window) and subscribers can drop by its id. A plain message is a fire-and-forget publication,
 * received only by the subscribers running at that moment.
 *
 * A failed publication (or a failing store) stops the round: the messages from it on stay in the
 * outbox and are tried again, in order, after a growing pause. The first failure is logged, the
 * next ones counted ({@link RepeatedFailure}), and one line says when it works again.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private cancelPause: (() => void) | undefined;
  private pending = false;
  private held: Held | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly transport: Transport,
    private readonly codec: Codec,
    private readonly log: Logger,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** A commit happened here: publish now rather than at the next poll. */
  poke(): void {
    this.pending = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const batch = this.options.batch ?? 100;
    const failures = new RepeatedFailure(this.log, "outbox relay: publishing", {
      backoff: { baseDelayMs: 100, maxDelayMs: this.options.maxBackoffMs ?? 5000 },
    });
    while (this.running) {
      this.pending = false;
      let taken = 0;
      try {
        taken = await this.publishOnce(batch);
        failures.recovered();
      } catch (err) {
        await this.pause(failures.failed(err));
        continue;
      }
      if (taken < batch && !this.pending && this.running) await this.idle(this.options.pollMs ?? 200);
    }
  }

  /**
   * One round: publishes up to `limit` messages; returns how many it took. Throws when one fails
   * to publish (the published ones before it are removed, it and the rest stay).
   */
  async publishOnce(limit = this.options.batch ?? 100): Promise<number> {
    const { messages, until } = await this.take(limit);
    let published = 0;
    try {
      for (const m of messages) {
        await this.publish(m);
        published++;
      }
    } catch (err) {
      // Still leased to us: retry them ourselves rather than wait for the lease to end.
      this.held = { messages: messages.slice(published), until };
      throw err;
    } finally {
      if (published > 0) await this.store.ackOutbox(messages.slice(0, published).map((m) => m.id));
    }
    return messages.length;
  }

  /** The messages left by a failed round while their lease holds, else new ones from the store. */
  private async take(limit: number): Promise<Held> {
    const held = this.held;
    this.held = undefined;
    if (held !== undefined && Date.now() < held.until) return held;
    const leaseMs = this.options.leaseMs ?? 30_000;
    // Half the lease: a retry near its end could overlap with another relay's claim.
    const until = Date.now() + leaseMs / 2;
    return { messages: await this.store.claimOutbox(limit, leaseMs), until };
  }

  private async publish(m: OutboxMessage): Promise<void> {
    const { [DURABLE_MARK]: durable, ...own } = m.headers ?? {};
    const headers = { ...own, [MESSAGE_ID_HEADER]: m.id, "tessera-request-id": m.id };
    const subject = subjects.event(m.name);
    const data = this.codec.encode(m.payload);
    if (durable === undefined) {
      await this.transport.publish(subject, data, headers);
      return;
    }
    const streams = this.transport.durable;
    if (streams === undefined) {
      throw TesseraError.definition(
        m.name,
        `domain event ${m.name} is durable but the ${this.transport.kind} transport has no durable streams`,
      );
    }
    // Resolves once the broker has stored it; the id makes a second publication a no-op.
    const { duplicate } = await streams.publish(subject, data, { headers, id: m.id });
    if (duplicate) this.log.debug("outbox relay: the broker already had this message", { id: m.id });
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        finish();
      };
    });
  }

  /** A backoff that only `stop()` cuts short (a commit must not hammer a failing broker). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.cancelPause = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.cancelPause = finish;
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    this.cancelPause?.();
    await this.loop;
    this.loop = undefined;
  }
}
