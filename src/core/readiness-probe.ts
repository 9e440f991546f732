import { TesseraError } from "./errors.js";

/**
 * Something a node needs to take traffic besides its transport, e.g. a store: `/ready` pings it.
 * A feature that runs as a node plugin gives the checks of its stores (`readinessChecks()`).
 *
 * @example
 * createNode({ services, transport, readiness: { checks: [{ name: "cache", ping: () => redis.ping() }] } });
 */
export interface ReadinessCheck {
  /** What is checked, e.g. `event store`. */
  readonly name: string;
  /** Where it is, safe to print (a masked URL), e.g. `postgres://app:***@db:5432/app`. */
  readonly target?: string;
  /** Resolves when it answers; a cheap query. */
  ping(): Promise<unknown>;
}

/** The outcome of one check, as `/ready` shows it. */
export interface CheckOutcome {
  readonly name: string;
  readonly target?: string;
  readonly ready: boolean;
  /** Why it is not ready (the driver's message, or the timeout). */
  readonly error?: string;
}

export interface ReadinessOptions {
  /** Checks of this node beyond those its plugins give. */
  readonly checks?: readonly ReadinessCheck[];
  /** Bound of each ping (default 2000 ms): past it the check is not ready. */
  readonly timeoutMs?: number;
  /** How long an outcome is reused (default 1000 ms), so that probes do not load the stores. */
  readonly cacheMs?: number;
}

/** The checks of a node: those of its options, then those its plugins give. */
export function checksOf(
  options: ReadinessOptions | undefined,
  plugins: readonly { readinessChecks?(): readonly ReadinessCheck[] }[],
): ReadinessCheck[] {
  return [...(options?.checks ?? []), ...plugins.flatMap((p) => p.readinessChecks?.() ?? [])];
}

function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

function bounded(check: ReadinessCheck, timeoutMs: number): Promise<CheckOutcome> {
  const base = check.target === undefined ? { name: check.name } : { name: check.name, target: check.target };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TesseraError.timeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([Promise.resolve().then(() => check.ping()), timeout])
    .then(
      () => ({ ...base, ready: true }),
      (err: unknown) => ({ ...base, ready: false, error: messageOf(err) }),
    )
    .finally(() => clearTimeout(timer));
}

/**
 * Runs a node's readiness checks together, each bounded by a timeout, and keeps the outcome for a
 * short while: concurrent probes share one run, and a probe within `cacheMs` of the last reuses it.
 */
export class ReadinessProbe {
  private outcome: readonly CheckOutcome[] = [];
  private at = Number.NEGATIVE_INFINITY;
  private running: Promise<readonly CheckOutcome[]> | undefined;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;

  constructor(
    private readonly checks: () => readonly ReadinessCheck[],
    options: ReadinessOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.cacheMs = options.cacheMs ?? 1000;
  }

  /** The last outcome (empty before the first run). */
  last(): readonly CheckOutcome[] {
    return this.outcome;
  }

  /** The outcome of every check, fresh unless the last one is younger than `cacheMs`. */
  run(): Promise<readonly CheckOutcome[]> {
    if (this.now() - this.at < this.cacheMs) return Promise.resolve(this.outcome);
    this.running ??= Promise.all(this.checks().map((c) => bounded(c, this.timeoutMs))).then((outcome) => {
      this.outcome = outcome;
      this.at = this.now();
      this.running = undefined;
      return outcome;
    });
    return this.running;
  }
}
