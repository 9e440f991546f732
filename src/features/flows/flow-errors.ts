import type { ErrorCode } from "../../core/error-codes.js";
import { type ErrorBody, TesseraError } from "../../core/errors.js";

/**
 * An error that steers an execution rather than reports a failure. It carries a code of the
 * registry but is deliberately not a TesseraError: flow code that handles the TesseraErrors of the
 * services it calls (`if (e instanceof TesseraError) …`) must not swallow it, retries and the
 * journal never take it for an effect's outcome, and nothing maps it to a caller's answer.
 */
export abstract class FlowControl extends Error {
  abstract readonly code: ErrorCode;
}

/** The execution must stop without writing: the lease was lost, the store failed, or the engine stops. */
export class Interrupted extends FlowControl {
  override readonly name = "Interrupted";
  readonly code = "TESSERA_INTERRUPTED";
}

/** A cancellation was requested: the next effect throws it, compensations run, the run ends `cancelled`. */
export class RunCancelled extends FlowControl {
  override readonly name = "RunCancelled";
  readonly code = "TESSERA_CANCELLED";
  constructor() {
    super("the run was cancelled");
  }
}

/**
 * The run went past its budget (steps in one activation, or journal entries in all): a control
 * error, so that code catching the errors of its calls cannot swallow it and spin on; the run fails
 * with `TESSERA_FLOW_BUDGET` and its completed steps are compensated.
 */
export class BudgetExceeded extends FlowControl {
  override readonly name = "BudgetExceeded";
  readonly code = "TESSERA_FLOW_BUDGET";
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The code no longer matches the run's journal: replaying it would be wrong. */
export class NonDeterminism extends FlowControl {
  override readonly name = "NonDeterminism";
  readonly code = "TESSERA_NON_DETERMINISM";
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Control-flow errors are never journaled as the outcome of an effect. */
export function isControl(err: unknown): boolean {
  return err instanceof FlowControl;
}

/**
 * The stored form of an error: a TesseraError keeps its code, and so does a control error (a
 * cancelled run's error is `TESSERA_CANCELLED`, a run past its budget `TESSERA_FLOW_BUDGET`); anything
 * else is `TESSERA_INTERNAL` with its message. A blocked run reports its non-determinism as `TESSERA_CONFLICT`, like a run of
 * an incompatible version: the run's record says what a reader can do about it, not how the engine
 * noticed.
 */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof TesseraError) return err.toJSON();
  if (err instanceof NonDeterminism)
    return { code: "TESSERA_CONFLICT", message: err.message, details: err.details };
  if (err instanceof BudgetExceeded) return { code: err.code, message: err.message, details: err.details };
  if (err instanceof FlowControl) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: "TESSERA_INTERNAL", message };
}

/** The error a replay throws for a journaled failure. */
export function rebuild(body: unknown): TesseraError {
  return TesseraError.fromBody(body);
}
