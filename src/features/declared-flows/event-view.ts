import type { RunRecord } from "../../ports/flow-store.js";

/** A run of a declared flow, as its callers see it. */
export interface EventView {
  readonly eventId: string;
  readonly flow: string;
  readonly version: number;
  readonly status: RunRecord["status"];
  readonly acceptedAt: string;
  readonly updatedAt: string;
  readonly output?: unknown;
  readonly error?: RunRecord["error"];
}

/**
 * The view of a run that the declared-flow API answers with (ISO dates, the version as a number).
 *
 * @example
 * eventView(await declared.event(eventId)) // { eventId, flow: "shout", version: 1, status: "completed", … }
 */
export function eventView(run: RunRecord): EventView {
  return {
    eventId: run.id,
    flow: run.flow,
    version: Number(run.version),
    status: run.status,
    acceptedAt: new Date(run.createdAt).toISOString(),
    updatedAt: new Date(run.updatedAt).toISOString(),
    ...(run.output === undefined ? {} : { output: run.output }),
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}
