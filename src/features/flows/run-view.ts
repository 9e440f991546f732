import type { ErrorBody } from "../../core/errors.js";
import { maskUrlsIn } from "../../core/mask-url.js";
import type { JournalEntry, RunRecord, RunStatus } from "../../ports/flow-store.js";
import { CALLBACK_FLOW } from "./callback.js";

/** A run as the HTTP API and the CLI show it. */
export interface RunView {
  readonly runId: string;
  readonly flow: string;
  readonly version: string;
  readonly status: RunStatus;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: ErrorBody;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When a sleeping or waiting run is due again. */
  readonly dueAt?: string;
  readonly waitingFor?: readonly string[];
  readonly idempotencyKey?: string;
  readonly cancelRequested?: true;
  readonly history?: readonly HistoryItem[];
}

/** One journaled effect of a run. */
export interface HistoryItem {
  readonly seq: number;
  readonly kind: string;
  readonly name: string;
  readonly state: JournalEntry["state"];
  /** Where the effect is in the code: `"3.1/2"` is the 2nd effect of branch 1 of the parallel at 3. */
  readonly position?: string;
  readonly value?: unknown;
  readonly error?: ErrorBody;
  /** The attempt's number, for an attempt of a step or call that has a retry policy. */
  readonly attempt?: number;
  /** When the next attempt is due, for a failed attempt that will be retried. */
  readonly retryAt?: string;
  readonly at: string;
}

/** The furthest time a `Date` holds (±8.64e15 ms, ±100 million days from 1970). */
const DATE_LIMIT = 8.64e15;

/**
 * A stored time as ISO text, never throwing: a time past what a `Date` holds (a run stored by a
 * version that took a wait of `"99999999999d"`) reads as the last time a `Date` holds, and one
 * that is no number as 1970. `toISOString` used to throw on it, and every listing of runs
 * answered 500 while such a run existed.
 */
function iso(ms: number): string {
  const t = Number.isNaN(ms) ? 0 : Math.min(DATE_LIMIT, Math.max(-DATE_LIMIT, ms));
  return new Date(t).toISOString();
}

/**
 * The API's view of a run (dates as ISO text), with its history when the journal is given. URLs in
 * the history (a declared run's services, a callback's address) and in a callback delivery's input
 * are masked (`user:***@`, `?token=***`): the journal keeps them whole for the run itself.
 */
export function runView(run: RunRecord, journal?: readonly JournalEntry[]): RunView {
  return {
    runId: run.id,
    flow: run.flow,
    version: run.version,
    status: run.status,
    input: run.flow === CALLBACK_FLOW ? maskUrlsIn(run.input) : run.input,
    ...(run.output === undefined ? {} : { output: run.output }),
    ...(run.error === undefined ? {} : { error: run.error }),
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    ...(run.dueAt === undefined || run.owner !== undefined ? {} : { dueAt: iso(run.dueAt) }),
    ...(run.waitingFor === undefined ? {} : { waitingFor: run.waitingFor.split(" ") }),
    ...(run.idempotencyKey === undefined ? {} : { idempotencyKey: run.idempotencyKey }),
    ...(run.cancelRequested ? { cancelRequested: true as const } : {}),
    ...(journal === undefined ? {} : { history: journal.map(historyItem) }),
  };
}

function historyItem(e: JournalEntry): HistoryItem {
  const base = {
    seq: e.seq,
    kind: e.kind,
    name: maskUrlsIn(e.name) as string,
    state: e.state,
    ...(e.position === undefined ? {} : { position: e.position }),
    at: iso(e.at),
  };
  if (e.state === "error") {
    // A failed attempt of a retried step or call also tells its number and when the next is due.
    const { code, message, details, attempt, retryAt } = e.value as ErrorBody & {
      attempt?: number;
      retryAt?: number;
    };
    return {
      ...base,
      error: details === undefined ? { code, message } : { code, message, details: maskUrlsIn(details) },
      ...(attempt === undefined ? {} : { attempt }),
      ...(retryAt === undefined ? {} : { retryAt: iso(retryAt) }),
    };
  }
  return e.value === undefined ? base : { ...base, value: maskUrlsIn(e.value) };
}
