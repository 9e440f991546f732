import { TesseraError } from "../../../core/errors.js";
import { isRecord } from "../field-errors.js";

/**
 * An error of a States Language run, named as the language names them (`States.Runtime`,
 * `States.NoChoiceMatched`, a Fail state's `Error`). A TesseraError (`TESSERA_CONFLICT`, as a
 * declared flow's fail step) whose `details.statesError` keeps the name, so that an error the
 * journal stores (a branch's) is the same error when a replay reads it back.
 *
 * @example
 * throw new AslError("States.NoChoiceMatched", "no choice rule of Pick matched and it has no Default");
 */
export class AslError extends TesseraError {
  constructor(
    readonly error: string,
    readonly causeText: string | undefined,
  ) {
    super("TESSERA_CONFLICT", causeText === undefined ? error : `${error}: ${causeText}`, {
      details: { statesError: error, ...(causeText === undefined ? {} : { cause: causeText }) },
    });
  }
}

/**
 * `States.Runtime`: a path that matches nothing, an intrinsic given wrong arguments… (never caught).
 * Every States.Runtime error of the execution is made here.
 *
 * @example
 * throw runtimeError("the JSONPath $.missing matched nothing in the state's input");
 */
export const runtimeError = (cause: string) => new AslError("States.Runtime", cause);

/**
 * The names an error answers to in `ErrorEquals`, the first being the one a `Catch` reports: a
 * States error's name; for a Tesserae entry's error, its `details.error` when a string (an entry's
 * own name for it) and its code (`TESSERA_NOT_FOUND`); a deadline is `States.Timeout`.
 */
export function errorNames(err: unknown): string[] {
  if (!(err instanceof TesseraError)) return ["States.TaskFailed"];
  const d = err.details;
  if (isRecord(d) && typeof d.statesError === "string") return [d.statesError];
  if (err.code === "TESSERA_TIMEOUT") return ["States.Timeout", err.code];
  const own = isRecord(d) && typeof d.error === "string" ? [d.error] : [];
  return [...own, err.code];
}

/** The cause text of an error (a Catch's `Cause`). */
export function causeOf(err: unknown): string {
  if (err instanceof TesseraError) {
    const d = err.details;
    if (isRecord(d) && typeof d.statesError === "string") return typeof d.cause === "string" ? d.cause : "";
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Whether a rule's `ErrorEquals` takes an error: by name, or by `States.ALL` (anything but
 * `States.Runtime`, which no rule catches), or — for a Task's error — `States.TaskFailed` (anything
 * but `States.Timeout` and `States.Runtime`).
 */
export function errorMatches(names: readonly string[], equals: readonly string[], inTask: boolean): boolean {
  const first = names[0] ?? "States.TaskFailed";
  if (first === "States.Runtime") return equals.includes(first);
  if (names.some((n) => equals.includes(n))) return true;
  if (equals.includes("States.ALL")) return true;
  return inTask && first !== "States.Timeout" && equals.includes("States.TaskFailed");
}
