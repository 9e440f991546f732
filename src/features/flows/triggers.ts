import { Cron } from "croner";
import { TesseraError } from "../../core/errors.js";
import type { EventDef } from "../../core/event.js";

/** Starts a run at every tick of a cron pattern (once per tick across all workers of a store). */
export interface CronTrigger {
  readonly kind: "cron";
  /** Five fields (minutes…weekday) or six (seconds first), as croner reads them. */
  readonly pattern: string;
  /** The input of each run (default `{}`); gets the tick's date. */
  readonly input: (tick: Date) => unknown;
  readonly timezone: string | undefined;
}

/** Starts a run for every event of a kind published on the bus. */
export interface EventTrigger {
  readonly kind: "event";
  readonly event: EventDef;
  /** The input of the run, from the event's payload (default: the payload). */
  readonly input: (payload: never) => unknown;
}

export type Trigger = CronTrigger | EventTrigger;

/**
 * A cron trigger. Every worker schedules it, and the store lets one run start per tick (the tick
 * is the run's idempotency key).
 *
 * @example
 * flow("nightly-report", { triggers: [cron("0 2 * * *")] }, async (ctx) => …)
 */
export function cron(
  pattern: string,
  input: (tick: Date) => unknown = () => ({}),
  options: { timezone?: string } = {},
): CronTrigger {
  try {
    new Cron(pattern, { paused: true, ...(options.timezone ? { timezone: options.timezone } : {}) }).stop();
  } catch (cause) {
    throw new TesseraError("TESSERA_DEFINITION", `invalid cron pattern "${pattern}"`, {
      details: { name: "cron", pattern },
      cause,
    });
  }
  return { kind: "cron", pattern, input, timezone: options.timezone };
}

/**
 * An event trigger: each event (delivered to one worker) starts a run.
 *
 * @example
 * flow("welcome", { input: User, triggers: [onEvent(userCreated, (u) => ({ email: u.email }))] }, …)
 */
export function onEvent<Out>(
  event: EventDef<string, unknown, Out>,
  input?: (payload: Out) => unknown,
): EventTrigger {
  return {
    kind: "event",
    event: event as EventDef,
    input: (input ?? ((p: unknown) => p)) as (p: never) => unknown,
  };
}
