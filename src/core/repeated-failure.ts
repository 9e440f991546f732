import type { LogFields, Logger } from "./logger.js";
import { backoffCeiling } from "./middleware/retry.js";
import type { RetryPolicy } from "./policies.js";

/** The shape of a backoff: pauses from `baseDelayMs`, × `factor` each time, at most `maxDelayMs`. */
export type BackoffPolicy = Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "factor">;

/** Defaults of {@link Backoff}: 100 ms doubling, up to 10 s. */
const DEFAULT_BACKOFF = { baseDelayMs: 100, maxDelayMs: 10_000, factor: 2 } as const;

/**
 * Growing pauses between the attempts of a loop that keeps failing: the n-th pause (from 0) lies
 * between half and all of min(`maxDelayMs`, `baseDelayMs` × `factor`^n) (the ceiling of the call
 * policies' `backoffDelay`, with equal jitter: it grows, and nodes failing together spread out).
 * `reset()` once an attempt works.
 *
 * @example
 * const backoff = new Backoff({ baseDelayMs: 200, maxDelayMs: 5000 });
 * setTimeout(retry, backoff.next()); // 100-200 ms, then 200-400 ms, … 2.5-5 s
 */
export class Backoff {
  private n = 0;

  constructor(
    private readonly policy: BackoffPolicy = {},
    private readonly random: () => number = Math.random,
  ) {}

  /** Pauses handed out since the last reset. */
  get attempts(): number {
    return this.n;
  }

  /** The pause before the next attempt, in ms. */
  next(): number {
    const ceiling = backoffCeiling({ ...DEFAULT_BACKOFF, ...this.policy }, Math.min(this.n, 64));
    this.n++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.n = 0;
  }
}

export interface RepeatedFailureOptions {
  /** Level of the failure lines (default `warn`); the recovery line is `info`. */
  readonly level?: "warn" | "error";
  /** The first count comes this long after the first line (default 10 s), each next one twice as late. */
  readonly reportMs?: number;
  /** The longest interval between two counts (default 5 minutes). */
  readonly maxReportMs?: number;
  /** The pauses `failed` returns (default 100 ms doubling up to 10 s, jittered: {@link Backoff}). */
  readonly backoff?: BackoffPolicy;
  /** The clock, in ms (tests give a fake one). */
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Failures of new kinds logged at once in one run of failures; beyond, they are only counted. */
const MAX_KINDS = 5;

/**
 * A failure that a loop meets again and again (a store or a broker down), logged once and then
 * counted, with the pauses of a {@link Backoff} between the attempts. While it lasts:
 * - the first failure of each kind (its code and message) is logged: `storing the state failed:
 *   <message> (retrying; repeats are counted, not logged)`;
 * - the repeats are counted, and a line gives the count 10 s after the first one, then at doubling
 *   intervals (up to 5 minutes): `storing the state failed 57 more times in the last 10 s (…)`;
 * - the first success after them is one `info` line: `storing the state works again after 58
 *   failures in 12 s`, and the backoff starts over.
 *
 * No timer: lines are written from `failed` and `recovered`, so a loop that stops trying says
 * nothing more.
 *
 * @example
 * const failures = new RepeatedFailure(log, "publishing the outbox");
 * try {
 *   await publish();
 *   failures.recovered();
 * } catch (err) {
 *   await sleep(failures.failed(err));
 * }
 */
export class RepeatedFailure {
  private failures = 0;
  /** Failures not yet told (neither the first of their kind nor in a count). */
  private untold = 0;
  private since = 0;
  /** Start of the window of the next count: the first line or the last count. */
  private windowStart = 0;
  private interval: number;
  private readonly kinds = new Set<string>();
  private readonly backoff: Backoff;
  private readonly now: () => number;

  constructor(
    private readonly log: Logger,
    /** What fails, said as an activity: "storing the state", "claiming runs". */
    readonly what: string,
    private readonly options: RepeatedFailureOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.interval = this.firstInterval;
    this.backoff = new Backoff(options.backoff, options.random);
  }

  /** True between a failure and the next success. */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** Failures since the last success. */
  get count(): number {
    return this.failures;
  }

  private get firstInterval(): number {
    return this.options.reportMs ?? 10_000;
  }

  /**
   * A failure: logged when it is the first of its kind since the last success, else counted (and
   * the count logged when its interval has passed). Returns the pause before the next attempt.
   */
  failed(err: unknown, fields?: LogFields): number {
    const now = this.now();
    if (this.failures === 0) {
      this.since = now;
      this.windowStart = now;
      this.interval = this.firstInterval;
    }
    this.failures++;
    const kind = kindOf(err);
    if (!this.kinds.has(kind) && this.kinds.size < MAX_KINDS) {
      this.kinds.add(kind);
      this.write(`${this.what} failed: ${messageOf(err)} (retrying; repeats are counted, not logged)`, {
        ...fields,
        err,
      });
    } else {
      this.untold++;
      const windowMs = now - this.windowStart;
      if (windowMs >= this.interval) {
        const n = this.untold;
        this.write(
          `${this.what} failed ${n} more time${n === 1 ? "" : "s"} in the last ${span(windowMs)} (${messageOf(err)})`,
          { ...fields, repeats: n, failures: this.failures, windowMs, lastError: messageOf(err) },
        );
        this.untold = 0;
        this.windowStart = now;
        this.interval = Math.min(this.interval * 2, this.options.maxReportMs ?? 300_000);
      }
    }
    return this.backoff.next();
  }

  /**
   * It works again: one `info` line when it failed before (`line` replaces the default text), and
   * the count and the backoff start over.
   */
  recovered(line?: string, fields?: LogFields): void {
    if (this.failures === 0) return;
    const n = this.failures;
    const outageMs = this.now() - this.since;
    this.log.info(
      line ?? `${this.what} works again after ${n} failure${n === 1 ? "" : "s"} in ${span(outageMs)}`,
      {
        ...fields,
        failures: n,
        outageMs,
      },
    );
    this.failures = 0;
    this.untold = 0;
    this.kinds.clear();
    this.backoff.reset();
  }

  private write(msg: string, fields: LogFields): void {
    if (this.options.level === "error") this.log.error(msg, fields);
    else this.log.warn(msg, fields);
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message === "" ? err.name : err.message;
  return String(err);
}

/** The kind of a failure: its code (or name) and message, numbers aside (ports, ids, counts vary). */
function kindOf(err: unknown): string {
  const code = err instanceof Error ? ((err as { code?: unknown }).code ?? err.name) : typeof err;
  return `${String(code)} ${messageOf(err).replace(/\d+/g, "#").slice(0, 300)}`;
}

/** A duration as a person reads it: 850 ms, 2.5 s, 40 s, 3 min. */
function span(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
