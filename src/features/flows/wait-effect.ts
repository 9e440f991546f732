import { TesseraError } from "../../core/errors.js";
import type { EventDef } from "../../core/event.js";
import type { JournalEntry, SignalRecord } from "../../ports/flow-store.js";
import type { Scope } from "./branches.js";
import type { RunBudget } from "./budget.js";
import { toMs } from "./duration.js";
import type { FlowDef } from "./flow.js";
import type { WaitOptions } from "./flow-context.js";
import type { ReplayJournal } from "./replay-journal.js";
import type { SignalDef } from "./signal.js";

/** What a wait needs from its execution (see `RunExecution`). */
export interface WaitHost {
  readonly def: FlowDef;
  readonly journal: ReplayJournal;
  readonly budget: RunBudget;
  /** The signals delivered to the run so far. */
  readonly signals: readonly SignalRecord[];
  scope(): Scope;
  /** Throws when the run may not go on (lease lost, cancellation, budget). */
  live(): void;
  now(): number;
  /** Journals what is pending and `entries` at once, the run kept active meanwhile. */
  writeNow(entries?: readonly JournalEntry[]): Promise<void>;
  /** Parks the code; `due` goes on at `dueAt` while the activation is alive. */
  park<T>(dueAt: number | undefined, name: string | undefined, due?: () => Promise<T>): Promise<T>;
}

/**
 * `ctx.waitFor`: a signal (or event) already delivered and not yet consumed is taken at once;
 * otherwise the wait is journaled pending with its deadline and the code parks — the run suspends
 * once nothing else is in flight, and while something is, the deadline still ends the wait on time.
 * Its outcome (the payload, or `timedOut`) is journaled at once.
 */
export function waitEffect<T>(
  x: WaitHost,
  what: SignalDef | EventDef,
  options: WaitOptions<T> = {},
): Promise<T | undefined> {
  const name = what.kind === "event" ? `event:${what.name}` : what.name;
  if (what.kind === "signal" && !declares(x.def, what.name)) {
    return Promise.reject(
      TesseraError.definition(
        what.name,
        `flow ${x.def.name} waits for signal "${what.name}" but does not declare it in its signals (no one could send it)`,
      ),
    );
  }
  const scope = x.scope();
  let seq: number;
  let rec: JournalEntry | undefined;
  try {
    ({ seq, rec } = x.journal.take(scope.position(), "wait", name));
  } catch (err) {
    return Promise.reject(err);
  }
  if (rec?.state === "ok") {
    const v = rec.value as { payload?: T; timedOut?: boolean };
    return Promise.resolve(v.timedOut ? undefined : v.payload);
  }
  try {
    if (rec === undefined) scope.refuseNew();
    x.live();
  } catch (err) {
    return Promise.reject(err);
  }
  const deadline =
    rec !== undefined
      ? (rec.value as { deadline: number | null }).deadline
      : options.timeout === undefined
        ? null
        : x.now() + toMs(options.timeout);
  const consumed = x.journal.consumed;
  const signal = x.signals.find(
    (s) => s.name === name && !consumed.has(s.id) && (options.match?.(s.payload as T) ?? true),
  );
  const over = (value: object, payload: T | undefined) =>
    x.writeNow([x.journal.entry(seq, "wait", name, "ok", value)]).then(() => payload);
  const timedOut = () => over({ timedOut: true }, undefined);
  if (signal !== undefined) {
    consumed.add(signal.id);
    return over({ signalId: signal.id, payload: signal.payload }, signal.payload as T);
  }
  if (deadline !== null && deadline <= x.now()) return timedOut();
  if (rec === undefined) {
    try {
      x.budget.step(true);
    } catch (err) {
      return Promise.reject(err);
    }
    x.journal.add(x.journal.entry(seq, "wait", name, "pending", { deadline }));
  }
  return x.park(deadline ?? undefined, name, deadline === null ? undefined : timedOut);
}

/** True when a run of this flow may be sent that signal (a declared flow checks its own version's). */
function declares(def: FlowDef, name: string): boolean {
  return def.signalsOf !== undefined || (def.options.signals ?? []).some((s) => s.name === name);
}
