import type { ErrorBody } from "../../core/errors.js";
import { maskUrl } from "../../core/mask-url.js";
import { validate } from "../../core/schema.js";
import type { RunRecord, RunStatus } from "../../ports/flow-store.js";
import type { RunBudget } from "./budget.js";
import { type Compensable, type CompensationFailure, compensate } from "./compensation.js";
import type { ExecutionHost } from "./execution-host.js";
import type { FlowDef } from "./flow.js";
import { errorBody, Interrupted, NonDeterminism, RunCancelled } from "./flow-errors.js";
import { jsonForm, type ReplayJournal } from "./replay-journal.js";
import type { RunLease } from "./run-lease.js";

/** What the flow's code came to: a value, an error, or only waits (a timer or a signal). */
export type Outcome =
  | { readonly kind: "ok"; readonly value: unknown }
  | { readonly kind: "error"; readonly error: unknown }
  | { readonly kind: "suspend" };

/** How an execution ended, for the engine's books. */
export interface Ending {
  readonly status: RunStatus | "interrupted";
  readonly output?: unknown;
  readonly error?: ErrorBody | undefined;
  /** When a suspended run is due again. */
  readonly dueAt?: number | undefined;
}

/** A wait the parked code is in: a timer (`dueAt`), a signal or event (`name`), or both. */
export interface Wait {
  readonly dueAt: number | undefined;
  readonly name: string | undefined;
}

/** What ending a run needs from its execution. */
export interface EndingScope {
  readonly host: ExecutionHost;
  readonly def: FlowDef;
  readonly run: RunRecord;
  readonly journal: ReplayJournal;
  /** The completed steps that declared how to undo them. */
  readonly compensables: readonly Compensable[];
  readonly waits: readonly Wait[];
  /** Once exceeded, the run fails with it whatever its code did with the error. */
  readonly budget: RunBudget;
  /** The activation's lease: its fencing token and signal, for the compensations. */
  readonly lease: RunLease;
  /** Throws `Interrupted` unless the lease surely still holds (before a compensation, a callback). */
  fence(): void;
}

/**
 * Commits the end of an execution from the code's outcome: the run completes (its output checked),
 * fails or is compensated (a saga unwinds first), is cancelled, is blocked (its journal no longer
 * matches the code), or is suspended until its waits are due. A run past its budget fails with
 * `TESSERA_FLOW_BUDGET` even if its code caught the error. An execution whose lease was `lost`
 * writes nothing.
 */
export async function endRun(s: EndingScope, outcome: Outcome, lost: boolean): Promise<Ending> {
  if (lost || (outcome.kind === "error" && outcome.error instanceof Interrupted)) {
    return { status: "interrupted" };
  }
  if (s.budget.exceeded !== undefined) return fail(s, s.budget.exceeded);
  if (outcome.kind === "suspend") return suspend(s);
  if (outcome.kind === "ok") {
    const extra = s.journal.beyond();
    if (extra.length === 0) {
      try {
        const output =
          s.def.options.output === undefined
            ? jsonForm(outcome.value)
            : await validate(s.def.options.output, outcome.value, `output of flow ${s.def.name}`);
        return end(s, "completed", output, undefined);
      } catch (err) {
        return fail(s, err);
      }
    }
    return fail(
      s,
      new NonDeterminism(`flow ${s.def.name} ended before journal entry ${extra[0]}: its code changed`, {
        runVersion: s.run.version,
        codeVersion: s.def.version,
      }),
    );
  }
  return fail(s, outcome.error);
}

async function fail(s: EndingScope, error: unknown): Promise<Ending> {
  if (error instanceof NonDeterminism) {
    s.host.logger.error("run blocked: its journal does not match the flow's code", {
      runId: s.run.id,
      flow: s.def.name,
      ...error.details,
    });
    await s.host.commit.write(s.run.id, s.journal.takePending(), {
      status: "blocked",
      error: errorBody(error),
      release: true,
    });
    return { status: "blocked", error: errorBody(error) };
  }
  const cancelled = error instanceof RunCancelled;
  const cause = errorBody(error);
  const failures = await unwind(s);
  if (failures.length > 0) return end(s, "failed", undefined, withFailures(cause, failures));
  if (cancelled) return end(s, "cancelled", undefined, cause);
  return end(s, s.compensables.length > 0 ? "compensated" : "failed", undefined, cause);
}

/**
 * The run's error when compensations failed: the original error (what the caller must know first),
 * its details extended with `compensationFailures: [{ step, error }]`.
 */
export function withFailures(cause: ErrorBody, failures: readonly CompensationFailure[]): ErrorBody {
  const d = cause.details;
  const details =
    d !== null && typeof d === "object" && !Array.isArray(d)
      ? { ...(d as Record<string, unknown>), compensationFailures: failures }
      : d === undefined
        ? { compensationFailures: failures }
        : { cause: d, compensationFailures: failures };
  return { code: cause.code, message: cause.message, details };
}

/** Unwinds the saga: every compensation of the completed steps, in reverse order (see compensation.ts). */
async function unwind(s: EndingScope): Promise<CompensationFailure[]> {
  if (s.compensables.length === 0) return [];
  if (s.run.status !== "compensating") {
    await s.host.commit.write(s.run.id, s.journal.takePending(), {
      status: "compensating",
      release: false,
    });
  }
  return compensate(
    {
      runId: s.run.id,
      fencingToken: s.lease.fencingToken,
      signal: s.lease.signal,
      fence: () => s.fence(),
      journaled: (seq) => s.journal.get(seq),
      entry: (seq, kind, name, state, value) => s.journal.entry(seq, kind, name, state, value),
      write: (entries) => s.host.commit.write(s.run.id, entries),
    },
    s.compensables,
  );
}

async function end(
  s: EndingScope,
  status: RunStatus,
  output: unknown,
  error: ErrorBody | undefined,
): Promise<Ending> {
  const entries = s.journal.takePending();
  const url = s.run.callbackUrl;
  if (url !== undefined && s.journal.get(0) === undefined) {
    s.fence(); // a worker that lost the run hands no callback over
    const body = { runId: s.run.id, flow: s.def.name, status, output, error };
    try {
      // Handed over to a delivery run (its journal has each attempt); its id is recorded here.
      const delivery = await s.host.notify(url, body);
      entries.push(s.journal.entry(0, "callback", url, "ok", { delivery }));
    } catch (err) {
      s.host.logger.warn("run callback failed", { runId: s.run.id, url: maskUrl(url), err });
      entries.push(s.journal.entry(0, "callback", url, "error", errorBody(err)));
    }
  }
  await s.host.commit.write(s.run.id, entries, { status, output, error, release: true });
  return { status, output, error };
}

async function suspend(s: EndingScope): Promise<Ending> {
  let dueAt: number | undefined;
  const names: string[] = [];
  for (const w of s.waits) {
    if (w.dueAt !== undefined) dueAt = dueAt === undefined ? w.dueAt : Math.min(dueAt, w.dueAt);
    if (w.name !== undefined) names.push(w.name);
  }
  const status: RunStatus = names.length > 0 ? "waiting" : "sleeping";
  const waitingFor = names.length > 0 ? names.join(" ") : undefined;
  await s.host.commit.write(s.run.id, s.journal.takePending(), {
    status,
    dueAt,
    waitingFor,
    release: true,
    seenSignals: s.run.signalCount,
  });
  return { status, dueAt };
}
