import { isBrokerFailure } from "../../core/broker-failure.js";
import type { Logger } from "../../core/logger.js";
import { type BackoffPolicy, RepeatedFailure } from "../../core/repeated-failure.js";

/** Pauses between attempts: about 1 s after the first failure, growing (jittered) to 5 s. */
const PAUSES: BackoffPolicy = { baseDelayMs: 1000, maxDelayMs: 5000 };

/**
 * Sets up a JetStream part (a consumer with its stream) again in the background after its first
 * attempt failed because the broker is degraded (issue 15 follow-up: with one of three servers
 * down, half the nodes whose streams did not exist yet failed to start, although JetStream
 * created the stream a few seconds later). The first failure is logged, the next ones counted
 * ({@link RepeatedFailure}: a line with the count now and then), with growing pauses between the
 * attempts, and one line says when the part is set up; an error that is not a broker failure (a
 * setting JetStream refuses) ends the retries with an error line, as nothing will change it.
 *
 * @example
 * const retry = new SetupRetry("the consumer x of TESSERA_evt", () => attach(), (pull) => running.add(pull), log);
 * retry.begin(firstError);
 * retry.cancel(); // the subscription is closed: no more attempts, a late success is closed
 */
export class SetupRetry<T extends { close(): Promise<void> }> {
  private timer: NodeJS.Timeout | undefined;
  private cancelled = false;
  private since = 0;
  private readonly failures: RepeatedFailure;

  constructor(
    private readonly name: string,
    private readonly attempt: () => Promise<T>,
    private readonly done: (part: T) => void,
    private readonly log: Logger,
    pauses: BackoffPolicy = PAUSES,
  ) {
    this.failures = new RepeatedFailure(log, `JetStream setting up ${name}`, { backoff: pauses });
  }

  /** Whether `err` is worth retrying: a broker failure (JetStream slow or without a quorum). */
  static retryable(err: unknown): boolean {
    return isBrokerFailure(err);
  }

  /** Starts the retries after the first attempt failed with `err`. */
  begin(err: unknown): void {
    this.since = Date.now();
    this.schedule(err);
  }

  /** No more attempts; a part set up meanwhile is closed. */
  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
  }

  private schedule(err: unknown): void {
    const pause = this.failures.failed(err);
    if (this.cancelled) return;
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
      this.schedule(err);
      return;
    }
    if (this.cancelled) {
      await part.close().catch(() => undefined);
      return;
    }
    const afterMs = Date.now() - this.since;
    this.failures.recovered(`JetStream set up ${this.name} after ${afterMs} ms`, { afterMs });
    this.done(part);
  }
}
