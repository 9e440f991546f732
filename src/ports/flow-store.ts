import type { ErrorBody } from "../core/errors.js";
import type { Identity } from "../core/identity.js";
import type { PruneQuery } from "./run-retention.js";

/**
 * Who started a run and in which trace (issue 17, bug 5): every call the run makes carries them,
 * after a restart too. `traceparent` is the starter's span (W3C), so the run's calls are its children.
 */
export interface RunOrigin {
  readonly identity?: Identity | undefined;
  readonly traceparent?: string | undefined;
}

/**
 * Where a run is. `queued`…`compensating` are active (a worker may hold them); `completed`,
 * `failed`, `compensated` and `cancelled` are terminal; `blocked` waits for an operator (the code
 * changed incompatibly while the run was in flight; a retry resumes it).
 */
export type RunStatus =
  | "queued"
  | "running"
  | "sleeping"
  | "waiting"
  | "compensating"
  | "completed"
  | "failed"
  | "compensated"
  | "cancelled"
  | "blocked";

export const terminalStatuses: ReadonlySet<RunStatus> = new Set([
  "completed",
  "failed",
  "compensated",
  "cancelled",
]);

/** Statuses a worker may claim (when due, or when the lease of a dead worker expired). */
export const activeStatuses: readonly RunStatus[] = [
  "queued",
  "running",
  "sleeping",
  "waiting",
  "compensating",
];

/** One run of a flow, as stored. JSON values are kept as JSON text by the stores. */
export interface RunRecord {
  readonly id: string;
  readonly flow: string;
  /** The definition version the run started with (see `flow(…, { version })`). */
  readonly version: string;
  readonly status: RunStatus;
  readonly input: unknown;
  readonly output: unknown;
  readonly error: ErrorBody | undefined;
  readonly idempotencyKey: string | undefined;
  readonly callbackUrl: string | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Epoch ms when a worker should pick the run up; undefined while it waits without a deadline. */
  readonly dueAt: number | undefined;
  readonly owner: string | undefined;
  readonly leaseUntil: number | undefined;
  /** Space-separated names of the signals or events the run waits for. */
  readonly waitingFor: string | undefined;
  readonly cancelRequested: boolean;
  /** How many signals were ever delivered to the run (a suspension compares it to what it saw). */
  readonly signalCount: number;
  /** The starter's identity and trace, when it had any. */
  readonly origin?: RunOrigin | undefined;
  /**
   * The lease generation: 1 when the run is created held, then one more at every claim (each
   * activation, each takeover). Every effect of an activation carries it beside its idempotency key,
   * so that a target can refuse the effects of a worker that lost the run (a lower token than one it
   * saw); the store refuses the writes and renewals of a stale holder by it too. 0 for a run never held.
   */
  readonly fencingToken: number;
  /**
   * How many times in a row the run was taken from another worker that stopped renewing its lease
   * (it died or froze) or from a worker id that restarted holding it, with no progress written in
   * between; the engine fails a run past its budget's `takeovers` instead of freezing worker after
   * worker. A worker taking back its own expired lease is alive: that is no takeover.
   */
  readonly takeovers: number;
}

/**
 * One journaled effect. `seq` numbers the effects of the flow's code in the order it issued them
 * (1, 2, …; it keys the effect's idempotency key); compensations use `-seq` of the step they undo;
 * 0 is the completion callback. A replay finds an effect by its `position`.
 */
export interface JournalEntry {
  readonly seq: number;
  /** `call`, `step`, `sleep`, `wait`, `now`, `random`, `uuid`, `parallel`, `compensate`, `callback`. */
  readonly kind: string;
  readonly name: string;
  /**
   * `ok`, `error`, or `pending`: a wait that started (`value` holds its deadline), or a call or
   * step that left the process while another effect was in flight (a parallel branch…), so that
   * a replay re-issues it with the same seq.
   */
  readonly state: "ok" | "error" | "pending";
  readonly value: unknown;
  readonly at: number;
  /**
   * Where the effect is in the code, so that a replay finds it whatever order branches ran in:
   * `"4"` for the 4th effect of the flow's own code, `"3.1/2"` for the 2nd effect of branch 1 of
   * the parallel at position 3 (`"3.1/2.0/1"` nested). Absent for compensations and the callback,
   * and in journals written before parallel branches existed (the position is then the seq).
   */
  readonly position?: string | undefined;
}

/** A signal delivered to a run (consumed by `ctx.waitFor`). */
export interface SignalRecord {
  readonly id: number;
  readonly name: string;
  readonly payload: unknown;
  readonly at: number;
}

export interface NewRun {
  readonly id: string;
  readonly flow: string;
  readonly version: string;
  readonly input: unknown;
  readonly idempotencyKey?: string | undefined;
  readonly callbackUrl?: string | undefined;
  /** When set, the run is created already leased by this worker (it runs it at once). */
  readonly owner?: string | undefined;
  readonly origin?: RunOrigin | undefined;
}

/** What a worker changes of a run it holds, beside appending journal entries. */
export interface RunUpdate {
  readonly status: RunStatus;
  readonly output?: unknown;
  readonly error?: ErrorBody | undefined;
  /** When the run is due again (a timer), or undefined for never (a wait without timeout, or the end). */
  readonly dueAt?: number | undefined;
  readonly waitingFor?: string | undefined;
  /** Gives the lease up (a suspension or the end of the run). */
  readonly release: boolean;
  /**
   * The `signalCount` the worker saw: a release while newer signals exist makes the run due at
   * once, so that a signal delivered during the suspension is never missed.
   */
  readonly seenSignals?: number;
}

/** The writes of one run in a group commit. */
export interface RunWrite {
  readonly runId: string;
  readonly entries: readonly JournalEntry[];
  readonly update?: RunUpdate | undefined;
  /**
   * The fencing token of the activation writing: when given, the write is refused (the run `lost`)
   * unless the run is still at that token, so that a stale activation of the same worker id (a
   * frozen process whose successor took its runs back) writes nothing either.
   */
  readonly fencingToken?: number | undefined;
}

/** A run this worker holds, as it renews it: refused (`lost`) when the run moved past `fencingToken`. */
export interface HeldRun {
  readonly id: string;
  readonly fencingToken?: number | undefined;
}

/**
 * True when a write moves its run on (an outcome or a status): its takeovers count starts again from
 * zero. Re-issuing an effect journaled pending is no progress (a run that freezes its worker in the
 * same effect at every activation would write that much each time).
 */
export function madeProgress(w: RunWrite): boolean {
  return w.update !== undefined || w.entries.some((e) => e.state !== "pending");
}

export interface CommitBatch {
  readonly owner: string;
  readonly now: number;
  readonly leaseMs: number;
  readonly creates: readonly NewRun[];
  readonly writes: readonly RunWrite[];
}

export interface CommitResult {
  /** Per created run id: the stored run (for an idempotency key seen before, the earlier run). */
  readonly created: ReadonlyMap<string, { readonly run: RunRecord; readonly created: boolean }>;
  /** Runs whose writes were refused: the worker no longer holds them (its lease expired). */
  readonly lost: readonly string[];
  /** Held runs for which a cancellation was requested. */
  readonly cancelled: readonly string[];
}

export interface ClaimQuery {
  readonly owner: string;
  readonly flows: readonly string[];
  readonly limit: number;
  readonly leaseMs: number;
  readonly now: number;
  /** Claims this run only (a local timer that fired), if it is due or its lease expired. */
  readonly runId?: string;
}

export interface RunQuery {
  readonly flow?: string;
  readonly status?: RunStatus;
  readonly limit?: number;
}

/**
 * The flow store: runs, their journals and their signals, with leases so that many workers share
 * the work. Every adapter passes the same contract suite (`test/contract/flow-store-contract.ts`).
 *
 * A worker writes only through {@link FlowStore.commit}: one transaction for a whole batch of runs
 * (group commit), in which only the runs the worker still holds are written (fencing). Leases are
 * renewed apart, by {@link FlowStore.renew} (a commit need not rewrite a run's row for each step).
 */
export interface FlowStore {
  readonly kind: string;
  /** Creates or upgrades the schema (versioned migrations; safe to run from many workers at once). */
  migrate(): Promise<void>;
  /** One durable transaction: creates runs, appends journal entries of held runs, updates them. */
  commit(batch: CommitBatch): Promise<CommitResult>;
  /** Leases up to `limit` due runs of the given flows (or an expired lease of a dead worker). */
  claim(query: ClaimQuery): Promise<RunRecord[]>;
  getRun(id: string): Promise<RunRecord | undefined>;
  findByKey(flow: string, idempotencyKey: string): Promise<RunRecord | undefined>;
  /** Runs, newest first (run ids are time-ordered: the stores order by id). */
  listRuns(query: RunQuery): Promise<RunRecord[]>;
  journal(runId: string): Promise<JournalEntry[]>;
  signals(runId: string): Promise<SignalRecord[]>;
  /** Stores a signal for an active run and makes it due if nobody holds it; false if the run is not active. */
  sendSignal(runId: string, name: string, payload: unknown, now: number): Promise<boolean>;
  /** Delivers a signal to every active run waiting for `name` (bus events); returns how many. */
  signalWaiting(name: string, payload: unknown, now: number): Promise<number>;
  /** Asks an active run to stop (it compensates, then ends `cancelled`); undefined if unknown. */
  requestCancel(runId: string, now: number): Promise<RunRecord | undefined>;
  /**
   * Makes a failed, cancelled, compensated or blocked run run again: journal entries from the first
   * failure on are dropped (what succeeded before is kept), the version becomes `version`.
   */
  retry(runId: string, version: string, now: number): Promise<RunRecord | undefined>;
  /** Renews the leases of held runs; same fencing answer as a commit (by owner, and by token when given). */
  renew(owner: string, runs: readonly HeldRun[], leaseMs: number, now: number): Promise<CommitResult>;
  /**
   * Lets go of runs held by `owner` (a graceful stop, or a restart of the same worker id).
   * `abandoned`: the holder did not stop (a restart found them), so each counts as a takeover.
   */
  releaseAll(owner: string, now: number, abandoned?: boolean): Promise<number>;
  /**
   * Deletes finished runs of a flow with their journals and signals, at most `limit` in one short
   * transaction, or counts them (`dryRun`); never an active, blocked or held run (retention, issue 19).
   */
  prune(query: PruneQuery): Promise<number>;
  close(): Promise<void>;
}

/**
 * The first journal seq a retry drops (with every seq ≤ 0: compensations and the callback). A run
 * that compensated starts over (its steps were undone); a failed one resumes at its last failed
 * effect — or, when that is a failed `parallel`, at the first failure among its branches (the
 * failure and the cancellations it caused run again; a sibling's effect journaled after it too); a
 * blocked one keeps its whole journal.
 */
export function retryFrom(
  status: RunStatus,
  journal: readonly Pick<JournalEntry, "seq" | "state" | "kind" | "position">[],
): number {
  if (status === "blocked") return Number.POSITIVE_INFINITY;
  if (journal.some((e) => e.seq < 0)) return 1;
  let last: Pick<JournalEntry, "seq" | "state" | "kind" | "position"> | undefined;
  for (const e of journal) if (e.seq > 0 && e.state === "error" && e.seq > (last?.seq ?? 0)) last = e;
  if (last === undefined) return Number.POSITIVE_INFINITY;
  let from = last.seq;
  if (last.kind === "parallel" && last.position !== undefined) {
    const under = `${last.position}.`;
    for (const e of journal)
      if (e.state === "error" && e.position?.startsWith(under) === true && e.seq < from) from = e.seq;
  }
  return from;
}
