import { isBrokerFailure } from "../../core/broker-failure.js";
import type { Logger } from "../../core/logger.js";

/** Pauses between attempts: soon after the first failure, then every 5 s. */
const PAUSES_MS = [1000, 2000, 5000];

/**
 * Sets up a JetStream part (a consumer with its stream) again in the background after its first
 * attempt failed because the broker is degraded (issue 15 follow-up: with one of three servers
 * down, half the nodes whose streams did not exist yet failed to start, although JetStream
 * created the stream a few seconds later). One warning when the retries begin and one line when
 * the part is set up; an error that is not a broker failure (a setting JetStream refuses) ends
 * the retries with an error line, as nothing will change it.
 *
 * @example
 * const retry = new SetupRetry("TESSERA_evt/shop", () => attach(), (pull) => running.add(pull), log);
 * retry.begin(firstError);
 * retry.cancel(); // the subscription is closed: no more attempts, a late success is closed
 */
export class SetupRetry<T extends { close(): Promise<void> }> {
  private timer: NodeJS.Timeout | undefined;
  private cancelled = false;
  private attempts = 0;
  private since = 0;

  constructor(
    private readonly name: string,
    private readonly attempt: () => Promise<T>,
    private readonly done: (part: T) => void,
    private readonly log: Logger,
    private readonly pausesMs: readonly number[] = PAUSES_MS,
  ) {}

  /** Whether `err` is worth retrying: a broker failure (JetStream slow or without a quorum). */
  static retryable(err: unknown): boolean {
    return isBrokerFailure(err);
  }

  /** Starts the retries after the first attempt failed with `err`. */
  begin(err: unknown): void {
    this.since = Date.now();
    this.log.warn(
      `JetStream did not set up ${this.name} (${(err as Error).message}): trying again in the background`,
      { err },
    );
    this.schedule();
  }

  /** No more attempts; a part set up meanwhile is closed. */
  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.cancelled) return;
    const pause = this.pausesMs[Math.min(this.attempts, this.pausesMs.length - 1)] ?? 5000;
    this.attempts++;
    this.timer = setTimeout(() => void this.run(), pause);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.cancelled) return;
    let part: T;
    try {
      part = await this.attempt();
    } catch (err) {
      if (!SetupRetry.retryable(err)) {
        this.log.error(`JetStream refused to set up ${this.name}: ${(err as Error).message}`, { err });
        return;
      }
      this.schedule();
      return;
    }
    if (this.cancelled) {
      await part.close().catch(() => undefined);
      return;
    }
    const afterMs = Date.now() - this.since;
    this.log.info(`JetStream set up ${this.name} after ${afterMs} ms`, { afterMs });
    this.done(part);
  }
}
