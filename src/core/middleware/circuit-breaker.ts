import { isBrokerFailure } from "../broker-failure.js";
import type { Invoke } from "../call-meta.js";
import type { ErrorCode } from "../error-codes.js";
import { TesseraError } from "../errors.js";
import type { BreakerPolicy } from "../policies.js";

const defaultFailOn: readonly ErrorCode[] = [
  "TESSERA_UNAVAILABLE",
  "TESSERA_TIMEOUT",
  "TESSERA_INTERNAL",
  "TESSERA_OVERLOADED",
];

export type BreakerState = "closed" | "open" | "half-open";

/**
 * The state of one circuit: counts outcomes in a rolling window split into ten buckets, opens on
 * too many failures, lets one trial call through after `openMs`.
 */
export class CircuitBreaker {
  private state: BreakerState = "closed";
  private openedAt = 0;
  private trialInFlight = false;
  private readonly buckets: { start: number; ok: number; failed: number }[] = [];
  private readonly threshold: number;
  private readonly minRequests: number;
  private readonly windowMs: number;
  private readonly openMs: number;
  private readonly failOn: readonly ErrorCode[];

  constructor(
    readonly target: string,
    policy: BreakerPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.threshold = policy.threshold ?? 0.5;
    this.minRequests = policy.minRequests ?? 10;
    this.windowMs = policy.windowMs ?? 10_000;
    this.openMs = policy.openMs ?? 5000;
    this.failOn = policy.failOn ?? defaultFailOn;
  }

  get current(): BreakerState {
    return this.state;
  }

  /** Throws `TESSERA_CIRCUIT_OPEN` when the call must not go through. */
  admit(): void {
    if (this.state === "closed") return;
    if (this.state === "open" && this.now() - this.openedAt >= this.openMs) this.state = "half-open";
    if (this.state === "half-open" && !this.trialInFlight) {
      this.trialInFlight = true;
      return;
    }
    throw new TesseraError(
      "TESSERA_CIRCUIT_OPEN",
      `circuit to ${this.target} is open after repeated failures`,
      {
        details: { target: this.target, retryInMs: Math.max(0, this.openMs - (this.now() - this.openedAt)) },
      },
    );
  }

  /**
   * Counts a call's outcome (`undefined`: success). A broker failure ({@link isBrokerFailure}) says
   * nothing of the target: it is not counted, and a trial call that met one leaves the circuit
   * half-open for the next trial.
   */
  record(err: unknown): void {
    if (isBrokerFailure(err)) {
      if (this.state === "half-open") this.trialInFlight = false;
      return;
    }
    const failed = err !== undefined && (!(err instanceof TesseraError) || this.failOn.includes(err.code));
    if (this.state === "half-open") {
      this.trialInFlight = false;
      if (failed) this.open();
      else this.close();
      return;
    }
    const bucket = this.bucket();
    if (failed) bucket.failed++;
    else bucket.ok++;
    if (!failed) return;
    let ok = 0;
    let bad = 0;
    for (const b of this.buckets) {
      ok += b.ok;
      bad += b.failed;
    }
    if (ok + bad >= this.minRequests && bad / (ok + bad) >= this.threshold) this.open();
  }

  private bucket(): { start: number; ok: number; failed: number } {
    const now = this.now();
    const width = this.windowMs / 10;
    const last = this.buckets.at(-1);
    if (last && now - last.start < width) return last;
    while (this.buckets.length > 0 && now - this.buckets[0]!.start >= this.windowMs) this.buckets.shift();
    const fresh = { start: now, ok: 0, failed: 0 };
    this.buckets.push(fresh);
    return fresh;
  }

  private open(): void {
    this.state = "open";
    this.openedAt = this.now();
    this.buckets.length = 0;
  }

  private close(): void {
    this.state = "closed";
    this.buckets.length = 0;
  }
}

/** Guards `next` with a breaker. */
export function withBreaker(breaker: CircuitBreaker, next: Invoke): Invoke {
  return (input, meta) => {
    try {
      breaker.admit();
    } catch (err) {
      return Promise.reject(err);
    }
    const r = next(input, meta);
    if (!(r instanceof Promise)) {
      breaker.record(undefined);
      return r;
    }
    return r.then(
      (v) => {
        breaker.record(undefined);
        return v;
      },
      (e: unknown) => {
        breaker.record(e);
        throw e;
      },
    );
  };
}
