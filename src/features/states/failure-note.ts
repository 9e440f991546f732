import type { Logger } from "../../core/logger.js";

/**
 * A repeated failure logged once, then counted: the first failure is a warning, the next ones
 * are counted silently, and the first success after them is one line with the count. E.g. an
 * owner that cannot store its state during a broker outage writes two lines, not one per update.
 */
export class FailureNote {
  private failures = 0;

  constructor(
    private readonly log: Logger,
    /** What fails, e.g. "could not store the state". */
    private readonly what: string,
  ) {}

  get count(): number {
    return this.failures;
  }

  failed(err: unknown): void {
    if (this.failures++ === 0)
      this.log.warn(`${this.what}: will try again (further failures are counted, not logged)`, { err });
  }

  recovered(): void {
    if (this.failures === 0) return;
    this.log.info(`${this.what}: works again after ${this.failures} failure${this.failures > 1 ? "s" : ""}`);
    this.failures = 0;
  }
}
