import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { RepeatedFailure } from "../../core/repeated-failure.js";
import type { EventStore } from "../../ports/event-store.js";

/**
 * How the runners of the nodes share the async projections: one node holds each projection's lease
 * and runs it; the others try to take it at each poll, quietly, and take over once it ends.
 */
export interface ProjectionLeaseOptions {
  /**
   * How long a lease lasts without renewal (default 5000 ms): a dead node's projections move to
   * another node within it plus `pollMs`.
   */
  readonly leaseMs?: number;
  /** How often the holder renews it (default a third of `leaseMs`); shorter than `leaseMs`. */
  readonly renewMs?: number;
  /** How often a standing-by node tries to take it (default 1000 ms, or `renewMs` if shorter). */
  readonly pollMs?: number;
}

/** The settings of a lease, defaults applied. */
export interface LeaseTimes {
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly pollMs: number;
}

/**
 * The lease settings with their defaults; a renewal not shorter than the lease is refused
 * (`TESSERA_DEFINITION`): every lease would end before it is renewed.
 *
 * @example
 * leaseTimes({ leaseMs: 3000 }) // { leaseMs: 3000, renewMs: 1000, pollMs: 1000 }
 */
export function leaseTimes(options: ProjectionLeaseOptions = {}): LeaseTimes {
  const leaseMs = options.leaseMs ?? 5000;
  const renewMs = options.renewMs ?? leaseMs / 3;
  if (renewMs >= leaseMs) {
    throw TesseraError.definition(
      "eventSourcing.projectionLease.renewMs",
      `eventSourcing.projectionLease.renewMs (${renewMs}) must be shorter than the lease (${leaseMs} ms), or every lease ends before its renewal`,
    );
  }
  return { leaseMs, renewMs, pollMs: options.pollMs ?? Math.min(1000, renewMs) };
}

/**
 * How long a stopping holder keeps its lease renewed while its batch in flight finishes (as the
 * flow engine's `stopGraceMs`); a batch still running then is not committed, and the lease runs out.
 */
export const STOP_GRACE_MS = 10_000;

/** What the owner of a lease does when it gains or loses it. */
export interface LeaseHandlers {
  /** This holder has the lease now; `previous` held it before (another node, or none). */
  gained(previous: string | undefined): Promise<void>;
  /** The lease is gone (ended unrenewed, or taken by `holder`): stop working at once. */
  lost(holder: string | undefined): Promise<void>;
  /** The lease was renewed (a moment to look around, e.g. for a rebuild done elsewhere). */
  renewed?(): Promise<void>;
}

/**
 * Keeps one named lease of the event store for one holder: takes it when it is free, renews it
 * every `renewMs` while held, and tells the owner when it gains or loses it. Time is measured
 * locally from the moment each renewal was *sent*: `holds` turns false by itself once a lease may
 * have ended unrenewed, whatever the store answers later (the owner commits nothing after that).
 */
export class ProjectionLease {
  private held = false;
  private validUntil = 0;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private expiry: ReturnType<typeof setTimeout> | undefined;
  private tick: Promise<void> | undefined;
  /** Failed attempts: the first logged, the next counted; the lease keeps its pace (`renewMs`, `pollMs`). */
  private readonly failures: RepeatedFailure;
  /** The other holder last seen (standing by), named when this one takes over. */
  private seen: string | undefined;

  constructor(
    private readonly store: EventStore,
    /** The lease's name in the store. */
    readonly name: string,
    /** What the log lines call it (`projection account-view`). */
    private readonly label: string,
    readonly holder: string,
    private readonly times: LeaseTimes,
    private readonly log: Logger,
    private readonly handlers: LeaseHandlers,
  ) {
    this.failures = new RepeatedFailure(log, `${label}: renewing or taking the lease`);
  }

  /** True while this holder has the lease for sure (its last renewal has not run out). */
  get holds(): boolean {
    return this.held && performance.now() < this.validUntil;
  }

  /** The holder of the lease as last seen: this one, another node, or unknown. */
  get currentHolder(): string | undefined {
    return this.held ? this.holder : this.seen;
  }

  /** Takes the lease if it is free (a store failure at this first attempt is thrown), then keeps trying. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.attempt(true);
    } catch (err) {
      this.running = false;
      throw err;
    }
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(
      () => {
        this.tick = this.attempt(false).finally(() => {
          this.tick = undefined;
          this.schedule();
        });
      },
      this.held ? this.times.renewMs : this.times.pollMs,
    );
  }

  private async attempt(first: boolean): Promise<void> {
    const sentAt = performance.now();
    let grant: Awaited<ReturnType<EventStore["acquireLease"]>>;
    try {
      grant = await this.store.acquireLease(this.name, this.holder, this.times.leaseMs);
    } catch (err) {
      if (first) throw err;
      // Logged once per run of failures, then counted; the lease runs out by itself (see `holds`).
      this.failures.failed(err);
      return;
    }
    this.failures.recovered();
    if (!this.running) {
      // Stopped meanwhile: a lease just taken would otherwise keep the others waiting.
      if (grant.held && !this.held)
        await this.store.releaseLease(this.name, this.holder).catch(() => undefined);
      return;
    }
    if (!grant.held) {
      this.seen = grant.holder;
      if (this.held) await this.lose(grant.holder);
      return;
    }
    this.validUntil = sentAt + this.times.leaseMs;
    this.armExpiry();
    if (this.held) {
      await this.handlers.renewed?.().catch(() => undefined);
      return;
    }
    this.held = true;
    const previous = grant.previous ?? this.seen;
    try {
      await this.handlers.gained(previous === this.holder ? undefined : previous);
    } catch (err) {
      // Could not start working: let another node have it rather than hold it idle.
      this.held = false;
      await this.store.releaseLease(this.name, this.holder).catch(() => undefined);
      if (first) throw err;
      this.log.warn(`${this.label}: could not start after taking the lease, released it`, { err });
    }
  }

  /** Past the end of the last renewal, the lease may be another's: stop even if the store hangs. */
  private armExpiry(): void {
    clearTimeout(this.expiry);
    const left = this.validUntil - performance.now();
    this.expiry = setTimeout(() => {
      if (!this.held) return;
      // Timers count from the event loop's cached time and may fire early: look again later.
      if (this.holds) return this.armExpiry();
      this.log.warn(`${this.label}: the lease ran out before it could be renewed, standing by`);
      this.lose(undefined).catch((err: unknown) => this.log.warn(`${this.label}: stopping failed`, { err }));
    }, left + 1);
  }

  private async lose(holder: string | undefined): Promise<void> {
    if (!this.held) return;
    this.held = false;
    clearTimeout(this.expiry);
    if (holder !== undefined) this.log.warn(`${this.label}: the lease was taken by ${holder}, standing by`);
    await this.handlers.lost(holder);
  }

  /**
   * Stops trying; if this holder has the lease, `beforeRelease` runs while it still holds it: the
   * lease is renewed meanwhile (for at most `STOP_GRACE_MS`), so the batch in flight commits
   * (issue 15 follow-up: renewals stopped at SIGTERM, a slow batch outlasted the lease and was
   * thrown away, and the next node waited for the lease to run out). Then the lease is released so
   * that another node takes over at its next poll.
   */
  async stop(beforeRelease: () => Promise<void>): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tick;
    clearTimeout(this.expiry);
    const held = this.held;
    const renewing = held ? this.keepWhileStopping() : undefined;
    try {
      await beforeRelease();
    } finally {
      renewing?.();
    }
    this.held = false;
    if (held) await this.store.releaseLease(this.name, this.holder).catch(() => undefined);
  }

  /** Renews the lease every `renewMs` until the returned function is called or the grace ends. */
  private keepWhileStopping(): () => void {
    const until = performance.now() + STOP_GRACE_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const renew = async () => {
      if (done || performance.now() >= until) return;
      const sentAt = performance.now();
      const grant = await this.store
        .acquireLease(this.name, this.holder, this.times.leaseMs)
        .catch(() => undefined);
      // Taken by another: the lease runs out as measured (see `holds`). A store failure is tried again.
      if (done || grant?.held === false) return;
      if (grant !== undefined) this.validUntil = sentAt + this.times.leaseMs;
      timer = setTimeout(() => void renew(), this.times.renewMs);
    };
    void renew();
    return () => {
      done = true;
      clearTimeout(timer);
    };
  }
}
