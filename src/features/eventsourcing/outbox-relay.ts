import type { Codec } from "../../core/codec.js";
import type { Logger } from "../../core/logger.js";
import { subjects } from "../../core/wire.js";
import type { EventStore } from "../../ports/event-store.js";
import type { Transport } from "../../ports/transport.js";

export interface OutboxRelayOptions {
  /** Messages taken per round (default 100). */
  readonly batch?: number;
  /** How long a taken message is reserved for this relay (default 30 s): past it, another relay may publish it. */
  readonly leaseMs?: number;
  /** Poll interval when idle, for commits of other processes (default 200 ms). */
  readonly pollMs?: number;
}

/** Header carrying the stable id of a published domain event (also used as its request id). */
export const MESSAGE_ID_HEADER = "tessera-message-id";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Publishes the outbox on the transport: takes messages in order, publishes each on its event's
 * subject, then removes them. A crash between publishing and removing publishes them again after
 * the lease: delivery is at least once, and the stable id lets subscribers deduplicate.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pending = false;

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
    let failures = 0;
    while (this.running) {
      this.pending = false;
      let taken = 0;
      try {
        taken = await this.publishOnce(batch);
        failures = 0;
      } catch (err) {
        failures++;
        this.log.warn("outbox relay: publishing failed, retrying", { err });
        await sleep(Math.min(100 * 2 ** failures, 5000));
        continue;
      }
      if (taken < batch && !this.pending && this.running) await this.idle(this.options.pollMs ?? 200);
    }
  }

  /** One round: publishes up to `limit` messages; returns how many it took. */
  async publishOnce(limit = this.options.batch ?? 100): Promise<number> {
    const messages = await this.store.claimOutbox(limit, this.options.leaseMs ?? 30_000);
    const done: string[] = [];
    try {
      for (const m of messages) {
        const headers = { ...m.headers, [MESSAGE_ID_HEADER]: m.id, "tessera-request-id": m.id };
        await this.transport.publish(subjects.event(m.name), this.codec.encode(m.payload), headers);
        done.push(m.id);
      }
    } finally {
      if (done.length > 0) await this.store.ackOutbox(done);
    }
    return messages.length;
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

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }
}
