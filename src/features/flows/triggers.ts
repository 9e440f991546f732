import { Cron } from "croner";
import { z } from "zod";
import { shown } from "../../core/definition-rules.js";
import { TesseraError } from "../../core/errors.js";
import type { EventDef } from "../../core/event.js";
import { fnOption, kindOption, parseOptions } from "../definition-options.js";

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

// cron("* * * * *", { timezone }) (options given as the input) and onEvent("user.created") (a
// name, not the event) used to be accepted, and failed only at the first tick or event.
const cronArgs = z.strictObject({
  input: fnOption,
  options: z.strictObject({ timezone: z.string().min(1).optional() }),
});
const onEventArgs = z.strictObject({
  event: kindOption("event", "an event: declare it with event(...)"),
  input: fnOption.optional(),
});

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
  if (typeof pattern !== "string")
    throw TesseraError.definition("cron", `cron(pattern): pattern must be a string, got ${shown(pattern)}`);
  parseOptions("cron", cronArgs, { input, options });
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
  parseOptions("onEvent", onEventArgs, { event, input });
  return {
    kind: "event",
    event: event as EventDef,
    input: (input ?? ((p: unknown) => p)) as (p: never) => unknown,
  };
}
