import type { EntryInbox } from "./inbox.js";
import type { Logger } from "./logger.js";

const empty = new Uint8Array(0);

/** How long a delivery holds its event id before another delivery may take it over (its ack wait). */
const LOCK_MS = 30_000;

/** What the consumer inbox needs of its node. */
export interface ConsumerInboxHost {
  /** The node's inbox (its store's, in a project); none: every delivery runs its handler. */
  readonly inbox?: EntryInbox | undefined;
  /** How long the inbox keeps a handled id (the node's `inboxRetentionMs`). */
  readonly inboxRetentionMs?: number | undefined;
  readonly logger: Logger;
}

/**
 * The inbox of durable consumers: a handled event id is kept in the node's inbox (target
 * `<service>.on.<key>`, key `event:<id>`) for the node's retention, so that the same id delivered
 * again — redelivered, or published again past the broker's 2-minute deduplication window — is
 * acknowledged without running the handler. `run` resolves to false for such a repeat.
 */
export class ConsumerInbox {
  private nextPurge = 0;

  constructor(
    private readonly host: ConsumerInboxHost,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async run(target: string, id: string | undefined, handle: () => Promise<void>): Promise<boolean> {
    const inbox = this.host.inbox;
    if (inbox === undefined || id === undefined) {
      await handle();
      return true;
    }
    const key = `event:${id}`;
    await this.purge(inbox);
    const claim = await inbox.claim(target, key, "", this.now(), LOCK_MS);
    if (claim.kind === "done") return false;
    // Another delivery of the same id is being handled: try again later (the broker redelivers).
    if (claim.kind === "busy") throw new Error(`event ${id} is being handled by another delivery`);
    try {
      await handle();
    } catch (err) {
      await inbox.release(target, key).catch(() => undefined);
      throw err;
    }
    await inbox.complete(target, key, true, empty, this.now());
    return true;
  }

  /**
   * Forgets handled ids past the retention, at most once a minute (a tenth of the retention when
   * shorter): awaited, so that an id past the window is handled again rather than dropped.
   */
  private async purge(inbox: EntryInbox): Promise<void> {
    const now = this.now();
    if (now < this.nextPurge) return;
    const retentionMs = this.host.inboxRetentionMs ?? 24 * 60 * 60 * 1000;
    this.nextPurge = now + Math.min(60_000, Math.max(1000, retentionMs / 10));
    await inbox
      .purge(now - retentionMs)
      .catch((err: unknown) => this.host.logger.warn("inbox purge failed", { err, store: inbox.kind }));
  }
}
