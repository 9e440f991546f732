import type { RunRecord } from "../../ports/flow-store.js";

/** A run of a declared flow, as its callers see it. */
export interface EventView {
  readonly eventId: string;
  readonly flow: string;
  /** A string, as everywhere runs and flows show one (`"1"`; a coded flow's is a hash of its code). */
  readonly version: string;
  readonly status: RunRecord["status"];
  readonly acceptedAt: string;
  readonly updatedAt: string;
  readonly output?: unknown;
  readonly error?: RunRecord["error"];
}

/**
 * The view of a run that the declared-flow API answers with (ISO dates; the version a string, as in
 * `/flows/runs` — it was a number here and a string there).
 *
 * @example
 * eventView(await declared.event(eventId)) // { eventId, flow: "shout", version: "1", status: "completed", … }
 */
export function eventView(run: RunRecord): EventView {
  return {
    eventId: run.id,
    flow: run.flow,
    version: run.version,
    status: run.status,
    acceptedAt: new Date(run.createdAt).toISOString(),
    updatedAt: new Date(run.updatedAt).toISOString(),
    ...(run.output === undefined ? {} : { output: run.output }),
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}
