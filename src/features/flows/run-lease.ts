import { performance } from "node:perf_hooks";
import { Interrupted } from "./flow-errors.js";

/** When a lease was asked for (a claim, a renewal), on both clocks, read before the request left. */
export interface LeaseStamp {
  /** `performance.now()`: monotonic, blind to the wall clock's jumps. */
  readonly mono: number;
  /** The engine's clock (epoch ms): what the store computes the lease from. */
  readonly wall: number;
}

/** The time now on both clocks; the wall clock is the engine's `now`. */
export function leaseStamp(now: () => number): LeaseStamp {
  return { mono: performance.now(), wall: now() };
}

/**
 * How long after a claim or a renewal was sent this worker takes its lease as surely held: the lease
 * less a safety margin, a quarter of it, or less when renewals are rare (half the time between a
 * renewal and the lease's end), so that a worker that renews on time never reaches its deadline. The
 * margin covers the other workers' clocks running ahead of this one.
 *
 * @example
 * leaseValidMs(4000, 1000) // 3000
 * leaseValidMs(1000, 900) // 950
 */
export function leaseValidMs(leaseMs: number, renewMs: number): number {
  return leaseMs - Math.min(leaseMs / 4, (leaseMs - renewMs) / 2);
}

/**
 * What this worker knows of its lease on one run it executes (issue 19: a worker frozen past its
 * lease, then resumed, started effects on runs another worker had taken over). The lease surely
 * holds until a deadline, kept on two clocks: the monotonic one (immune to the wall clock's jumps)
 * and the wall clock (Linux's monotonic clock stops while the machine sleeps). Every effect checks
 * it before it starts, without a round trip to the store; once it is gone (the deadline passed, or a
 * renewal found the run moved), the `signal` given to the effects in flight is aborted and no effect
 * starts. `fencingToken` is the run's lease generation, carried by every effect of this activation.
 */
export class RunLease {
  private mono: number;
  private wall: number;
  /** Why the lease is gone, once it is. */
  private reason: Interrupted | undefined;
  /** Made when an effect first asks for the signal (most never do: a run's steps rarely read it). */
  private controller: AbortController | undefined;

  constructor(
    readonly runId: string,
    readonly fencingToken: number,
    at: LeaseStamp,
    private readonly validMs: number,
    private readonly now: () => number,
    /** Told once when the lease is found expired (not when a renewal finds the run moved). */
    private readonly onExpired: (runId: string) => void = () => undefined,
  ) {
    this.mono = at.mono + validMs;
    this.wall = at.wall + validMs;
  }

  /** A renewal sent at `at` succeeded: the lease holds longer. */
  extend(at: LeaseStamp): void {
    if (this.lost) return;
    this.mono = Math.max(this.mono, at.mono + this.validMs);
    this.wall = Math.max(this.wall, at.wall + this.validMs);
  }

  /** True while the lease surely holds. */
  get held(): boolean {
    return !this.lost && performance.now() < this.mono && this.now() < this.wall;
  }

  /** True once the lease is known gone (see {@link lose}). */
  get lost(): boolean {
    return this.reason !== undefined;
  }

  /** Aborted when the lease is gone: what the effects in flight are told to stop with. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** The lease is gone: the effects in flight see their signal aborted with `Interrupted`. */
  lose(reason: string): void {
    if (this.reason !== undefined) return;
    this.reason = new Interrupted(`run ${this.runId}: ${reason}`);
    this.controller?.abort(this.reason);
  }

  /**
   * Throws `Interrupted` (and loses the lease) unless the lease surely holds: called before each
   * effect leaves the process.
   */
  check(): void {
    if (this.held) return;
    this.expire();
    throw this.reason!;
  }

  /** The deadline passed: the lease is lost, and the engine told (once). */
  expire(): void {
    if (this.lost) return;
    this.lose("its lease may have expired (not renewed in time): no effect starts");
    this.onExpired(this.runId);
  }
}

/**
 * The signal of an effect, made when first asked for: the lease's, and a parallel branch's when there
 * is one (aborted when a sibling branch failed).
 */
export function effectSignal(
  lease: RunLease,
  branch: { readonly signal: AbortSignal | undefined },
): () => AbortSignal {
  let signal: AbortSignal | undefined;
  return () => {
    if (signal !== undefined) return signal;
    const own = branch.signal;
    signal = own === undefined ? lease.signal : AbortSignal.any([lease.signal, own]);
    return signal;
  };
}
